/// Path arithmetic on the text a user typed, in plain Swift.
///
/// Foundation's `NSString.deletingLastPathComponent` traps on some short paths on Linux
/// (`"x"`, `"."`, `"a/"`), so no path a user supplies goes through it.
enum PathText {
    /// The directory that holds `path`: the text before its last `/` once trailing `/`s are
    /// removed; `"/"` for a path directly under the root (or the root itself); `"."` for a
    /// bare name or an empty path.
    ///
    /// `"x"` → `"."`, `"a/b"` → `"a"`, `"a/b/"` → `"a"`, `"/x"` → `"/"`, `"a//b"` → `"a"`.
    static func parentDirectory(of path: String) -> String {
        var text = Substring(path)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        guard let slash = text.lastIndex(of: "/") else { return "." }
        var parent = text[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return parent.isEmpty ? "/" : String(parent)
    }
}
