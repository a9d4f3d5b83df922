//! Event appends on PostgreSQL (bodies follow).
