//! The Jupyter wire format: routing identities, the `<IDS|MSG>` delimiter,
//! the HMAC signature, then header, parent header, metadata and content as
//! JSON, then binary buffers. Messages are plain `serde_json` values so
//! every field is written exactly as the protocol (and
//! `jupyter_kernel_test`'s schemas) expect: empty objects, never `null`.

use bytes::Bytes;
use serde_json::{json, Value};
use zeromq::ZmqMessage;

use super::connection::Signer;

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

const DELIMITER: &[u8] = b"<IDS|MSG>";

/// One message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Routing identities (ROUTER sockets) or the topic (IOPub).
    pub identities: Vec<Bytes>,
    pub header: Value,
    pub parent_header: Value,
    pub metadata: Value,
    pub content: Value,
    pub buffers: Vec<Bytes>,
}

/// Why a received message was dropped.
#[derive(Debug, PartialEq, Eq)]
pub enum WireError {
    NoDelimiter,
    TooShort,
    BadSignature,
    BadJson(&'static str),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NoDelimiter => f.write_str("no <IDS|MSG> delimiter"),
            WireError::TooShort => f.write_str("fewer than five frames after the delimiter"),
            WireError::BadSignature => f.write_str("invalid signature"),
            WireError::BadJson(part) => write!(f, "invalid JSON in the {part}"),
        }
    }
}

/// A timestamp as jupyter_client parses it: at most six fractional digits.
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

impl Message {
    /// Parses and verifies the frames of one message.
    pub fn parse(frames: Vec<Bytes>, signer: &Signer) -> Result<Message, WireError> {
        let split = frames
            .iter()
            .position(|f| f.as_ref() == DELIMITER)
            .ok_or(WireError::NoDelimiter)?;
        let (identities, rest) = frames.split_at(split);
        let rest = &rest[1..];
        if rest.len() < 5 {
            return Err(WireError::TooShort);
        }
        let parts: Vec<&[u8]> = rest[1..5].iter().map(|b| b.as_ref()).collect();
        if !signer.verify(&rest[0], &parts) {
            return Err(WireError::BadSignature);
        }
        let json = |i: usize, what: &'static str| -> Result<Value, WireError> {
            serde_json::from_slice(&rest[i]).map_err(|_| WireError::BadJson(what))
        };
        Ok(Message {
            identities: identities.to_vec(),
            header: json(1, "header")?,
            parent_header: json(2, "parent header")?,
            metadata: json(3, "metadata")?,
            content: json(4, "content")?,
            buffers: rest[5..].to_vec(),
        })
    }

    /// The message type (`execute_request`, …).
    pub fn msg_type(&self) -> &str {
        self.header
            .get("msg_type")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A string field of the content ("" when missing).
    pub fn text(&self, key: &str) -> &str {
        self.content.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// A boolean field of the content.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        self.content
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// A new message of `msg_type` in reply to (or caused by) `self`:
    /// same routing identities, `self`'s header as parent.
    pub fn child(&self, session: &str, msg_type: &str, content: Value) -> Message {
        Message {
            identities: self.identities.clone(),
            header: header(session, msg_type),
            parent_header: self.header.clone(),
            metadata: json!({}),
            content,
            buffers: Vec::new(),
        }
    }

    /// An IOPub message caused by `self`, with the topic as its identity.
    pub fn broadcast(&self, session: &str, msg_type: &str, content: Value) -> Message {
        let mut m = self.child(session, msg_type, content);
        m.identities = vec![Bytes::from(format!("kernel.{session}.{msg_type}"))];
        m
    }

    /// The signed frames.
    pub fn to_zmq(&self, signer: &Signer) -> ZmqMessage {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let parent = serde_json::to_vec(&self.parent_header).unwrap_or_default();
        let metadata = serde_json::to_vec(&self.metadata).unwrap_or_default();
        let content = serde_json::to_vec(&self.content).unwrap_or_default();
        let signature = signer.sign(&[&header, &parent, &metadata, &content]);
        let mut frames: Vec<Bytes> = self.identities.clone();
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.push(Bytes::from(header));
        frames.push(Bytes::from(parent));
        frames.push(Bytes::from(metadata));
        frames.push(Bytes::from(content));
        frames.extend(self.buffers.iter().cloned());
        ZmqMessage::try_from(frames).expect("a message has frames")
    }
}

/// A fresh header.
pub fn header(session: &str, msg_type: &str) -> Value {
    json!({
        "msg_id": uuid::Uuid::new_v4().to_string(),
        "session": session,
        "username": "dossier",
        "date": now(),
        "msg_type": msg_type,
        "version": PROTOCOL_VERSION,
    })
}

/// A message with no parent (the `starting` status).
pub fn orphan(session: &str, msg_type: &str, content: Value) -> Message {
    Message {
        identities: vec![Bytes::from(format!("kernel.{session}.{msg_type}"))],
        header: header(session, msg_type),
        parent_header: json!({}),
        metadata: json!({}),
        content,
        buffers: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_identities_and_signature() {
        let signer = Signer::new("secret");
        let req = Message {
            identities: vec![Bytes::from_static(b"peer")],
            header: header("s", "kernel_info_request"),
            parent_header: json!({}),
            metadata: json!({}),
            content: json!({}),
            buffers: vec![],
        };
        let reply = req.child("k", "kernel_info_reply", json!({ "status": "ok" }));
        let frames = reply.to_zmq(&signer).into_vec();
        assert_eq!(frames[0].as_ref(), b"peer");
        assert_eq!(frames[1].as_ref(), DELIMITER);
        let back = Message::parse(frames.clone(), &signer).unwrap();
        assert_eq!(back.msg_type(), "kernel_info_reply");
        assert_eq!(back.parent_header["msg_type"], "kernel_info_request");
        assert_eq!(
            Message::parse(frames, &Signer::new("other")).unwrap_err(),
            WireError::BadSignature
        );
        // jupyter_client rejects more than six fractional digits.
        let date = now();
        assert_eq!(date.split('.').nth(1).unwrap().len(), 7, "{date}");
    }
}
