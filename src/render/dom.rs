//! Reading a parsed HTML page (html5ever's `RcDom`): an element's tag, an
//! attribute, a class. Shared by the PDF writer, which converts the page to
//! Typst, and `dossier verify`, which reads the page's figures.

use markup5ever_rcdom::{Handle, NodeData};

/// The element's local tag name; `None` for text, comments and the document.
pub fn tag(node: &Handle) -> Option<String> {
    match &node.data {
        NodeData::Element { name, .. } => Some(name.local.to_string()),
        _ => None,
    }
}

/// The value of the element's attribute `key`, if it has one.
pub fn attr(node: &Handle, key: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == key)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

/// True when the element's `class` attribute lists `class`.
pub fn has_class(node: &Handle, class: &str) -> bool {
    attr(node, "class").is_some_and(|c| c.split_whitespace().any(|x| x == class))
}
