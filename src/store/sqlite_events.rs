//! Event appends on SQLite (bodies follow).
