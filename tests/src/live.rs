//! The live feed from outside (issue 9): tickets, the WebSocket a chat console keeps open,
//! and the buyer's progress reports.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

use crate::api::PaymentRequest;
use crate::edge::Edge;
use crate::http::Reply;

/// One open feed.
pub struct Feed {
    socket: WebSocket<TcpStream>,
}

impl Edge {
    /// `POST /v1/live/tickets` with `key` and an optional limit.
    pub fn live_ticket_reply(&self, key: &str, body: Option<Value>) -> Reply {
        let call = self.call("POST", "/v1/live/tickets").bearer(key);
        match body {
            Some(b) => call.json(&b),
            None => call,
        }
        .send()
    }

    /// A ticket's `lt_...`, insisting on a 201.
    pub fn live_ticket(&self, key: &str, body: Option<Value>) -> String {
        let reply = self.live_ticket_reply(key, body);
        reply.expect(201)["ticket"]
            .as_str()
            .unwrap_or_else(|| panic!("no ticket\n{reply}"))
            .to_owned()
    }

    /// Opens `GET /v1/live?ticket=...[&since=...]` as a WebSocket; the refusal's HTTP status
    /// and body otherwise.
    pub fn open_feed(&self, ticket: &str, since: Option<&str>) -> Result<Feed, (u16, String)> {
        let mut url = format!("ws://127.0.0.1:{}/v1/live?ticket={ticket}", self.port());
        if let Some(s) = since {
            url += &format!("&since={s}");
        }
        let request = url.into_client_request().expect("a ws url");
        let stream = TcpStream::connect(("127.0.0.1", self.port())).expect("connect");
        // A slow machine may take a while to answer the handshake; reads then poll.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        match tungstenite::client(request, stream) {
            Ok((socket, _)) => {
                socket
                    .get_ref()
                    .set_read_timeout(Some(Duration::from_millis(100)))
                    .expect("timeout");
                Ok(Feed { socket })
            }
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                let status = response.status().as_u16();
                let body = response
                    .into_body()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                Err((status, body))
            }
            Err(e) => panic!("the feed's handshake failed: {e}"),
        }
    }

    /// `POST /v1/payment_requests/{id}/progress {stage}` with the client secret.
    pub fn progress(&self, request: &PaymentRequest, stage: &str) -> Reply {
        self.call(
            "POST",
            &format!("/v1/payment_requests/{}/progress", request.id),
        )
        .bearer(&request.client_secret)
        .json(&json!({ "stage": stage }))
        .send()
    }
}

impl Feed {
    /// The next event within `wait`, or `None`.
    pub fn next_event(&mut self, wait: Duration) -> Option<Value> {
        self.next_text(wait)
            .map(|text| serde_json::from_str(&text).expect("an event as JSON"))
    }

    /// Every event that arrives within `wait` of the last.
    pub fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut events = Vec::new();
        while let Some(e) = self.next_event(wait) {
            events.push(e);
        }
        events
    }

    /// Sends a text frame (`ping`).
    pub fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.into()))
            .expect("send on the feed");
    }

    /// The next text frame (an event, or `pong`), within `wait`.
    pub fn next_text(&mut self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Text(text)) => return Some(text.as_str().to_owned()),
                Ok(Message::Close(_)) => return None,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
        None
    }
}
