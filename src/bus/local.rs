//! The embedded bus: one process, so publishing is handing the message to this node's sink.

use std::sync::{Arc, OnceLock};

use super::{BusMessage, BusSink};

#[derive(Clone, Default)]
pub struct LocalBus {
    sink: Arc<OnceLock<Arc<dyn BusSink>>>,
}

impl LocalBus {
    pub fn attach(&self, sink: Arc<dyn BusSink>) {
        sink.set_live(true);
        let _ = self.sink.set(sink);
    }

    pub fn publish(&self, msg: BusMessage) {
        if let Some(sink) = self.sink.get() {
            sink.deliver(msg);
        }
    }
}
