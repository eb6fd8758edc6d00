public import Hummingbird
public import NIOCore

/// Hummingbird's request context plus the peer address, for `sourceIPAddress`.
public struct TrentRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
