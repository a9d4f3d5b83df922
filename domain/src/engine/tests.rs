//! Unit tests for the tricky Laws, beside the engine.
