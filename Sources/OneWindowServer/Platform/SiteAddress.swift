import Vapor

enum SiteAddress {
    /// `http://host:port` as the visitor reached the site, for addresses printed on paper.
    static func base(_ req: Request) -> String {
        let host =
            req.headers.first(name: .host).flatMap { $0.allSatisfy { $0.isLetter || $0.isNumber || ".:-[]".contains($0) } ? $0 : nil }
            ?? "127.0.0.1"
        return (req.application.settings.secureCookies ? "https://" : "http://") + host
    }
}
