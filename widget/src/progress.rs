//! The buyer's progress, for the agent's live view (issue 9): `viewed` when the form shows,
//! `entering_details` at the first keystroke, `details_complete` when every card field is
//! valid. Each is sent once per form and the edge records each once per request, in order.
//! Best effort: a report that is lost costs the agent a hint, never the buyer anything.

use crate::client;
use crate::frame::Frame;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The edge's own stages, in their order (`core::api::live`).
pub use chatpay_core::api::live::Stage;

/// What this form has reported; a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Progress {
    frame: StoredValue<Arc<Frame>>,
    sent: StoredValue<Option<Stage>>,
}

impl Progress {
    pub fn new(frame: Arc<Frame>) -> Progress {
        Progress {
            frame: StoredValue::new(frame),
            sent: StoredValue::new(None),
        }
    }

    /// Reports `stage` unless this form already reported it or a later one.
    pub fn reach(self, stage: Stage) {
        if self.sent.get_value().is_some_and(|s| s >= stage) {
            return;
        }
        self.sent.set_value(Some(stage));
        let frame = self.frame.get_value();
        spawn_local(async move {
            client::progress(&frame, stage.as_str()).await;
        });
    }
}
