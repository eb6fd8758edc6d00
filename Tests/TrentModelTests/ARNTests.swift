import Testing
import TrentModel

/// Key ARNs, written byte by byte, are the text interpolation gives.
@Suite struct ARNTests {
    @Test func keyARNIsTheInterpolatedText() {
        let cases = [
            ("us-east-1", "111122223333", "1234abcd-12ab-34cd-56ef-1234567890ab"), ("eu-west-3", "000000000000", "mrk-0123456789abcdef0123456789abcdef"),
            ("", "", ""), ("ap-southeast-2", "123", "k"), ("région-é", "🔑", "ключ"),
        ]
        for (region, account, keyID) in cases {
            #expect(ARN.key(region: region, account: account, keyID: keyID) == "arn:aws:kms:\(region):\(account):key/\(keyID)")
        }
        #expect(ARN.key(region: "us-east-1", account: "111122223333", keyID: "k").utf8.count == "arn:aws:kms:us-east-1:111122223333:key/k".utf8.count)
    }
}
