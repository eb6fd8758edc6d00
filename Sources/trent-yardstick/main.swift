import Foundation
import Hummingbird
import NIOCore

/// The yardstick of `make bench`: a bare Hummingbird endpoint on the same HTTP stack as
/// `trent serve`, answering every `POST /` with a small fixed AWS JSON 1.1 body after reading the
/// request body, and nothing else (no signature check, no store, no crypto). What it does per
/// second on this machine is the most any Hummingbird server can do here.
///
/// Usage: trent-yardstick [PORT]   (127.0.0.1; default 4598). Prints `READY <port>` once listening.
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 4598 : 4598
let answer = ByteBuffer(string: #"{"KeyMetadata":{"KeyId":"00000000-0000-4000-8000-000000000000","Enabled":true}}"#)

let router = Router()
router.post("/") { request, _ -> Response in
    var request = request
    _ = try await request.collectBody(upTo: 1 << 20)
    var headers = HTTPFields()
    headers[.contentType] = "application/x-amz-json-1.1"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer))
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "trent-yardstick"),
    onServerRunning: { channel in
        FileHandle.standardOutput.write(Data("READY \(channel.localAddress?.port ?? port)\n".utf8))
    }
)
try await app.runService()
