/// One element of an S3 response body, as ``XMLReader`` builds it.
///
/// S3 bodies are data-oriented: an element holds either child elements or text, never both in
/// a meaningful way. Both are kept: ``children`` in document order and ``text``, the decoded
/// character data directly inside the element (entities and character references resolved,
/// CDATA included, line ends normalized to `\n`, nothing trimmed).
///
/// Memory: one `String` and one array per element; a 1,000-entry ListObjectsV2 page is about
/// 6,000 elements.
package struct XMLElement: Sendable, Hashable {
    /// The local name: a `prefix:` is dropped (`s3:Key` is `Key`).
    package var name: String
    /// The child elements, in document order.
    package var children: [XMLElement]
    /// The decoded character data directly inside this element, untrimmed.
    package var text: String

    /// Creates an element.
    package init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The children named `name`, in document order.
    package func children(named name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }
}
