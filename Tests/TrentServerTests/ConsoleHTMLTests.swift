import Testing
@testable import TrentServer

@Suite struct ConsoleHTMLTests {
    @Test func escapesEveryDynamicText() {
        #expect(HTML.escape(#"<script>alert("x") & 'y'</script>"#) == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
    }

    @Test func parsesForms() {
        let fields = HTML.form("accessKeyId=AKIA&secretAccessKey=a%2Fb%2Bc+d&empty=&flag")
        #expect(fields == ["accessKeyId": "AKIA", "secretAccessKey": "a/b+c d", "empty": "", "flag": ""])
    }

    @Test func badgesHaveAToneForEveryState() {
        #expect(HTML.badge("Enabled").contains("ok"))
        #expect(HTML.badge("PendingImport").contains("wait"))
        #expect(HTML.badge("PendingDeletion").contains("bad"))
        #expect(HTML.badge("<x>").contains("&lt;x&gt;"))
    }
}
