//! The process's memory allocator and what it says of itself: the bytes it has handed out, and
//! giving the pages it holds free back to the system. jemalloc (the default `jemalloc` feature),
//! which keeps a node's resident memory closer to what it holds under the churn of connections
//! and costs no more per delivered message (BENCHMARKS.md, "Soak"); the system allocator
//! (glibc's malloc) when built with `--no-default-features`.

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Which allocator this build uses, for the start-up log line.
pub const NAME: &str = if cfg!(feature = "jemalloc") {
    "jemalloc"
} else {
    "system"
};

/// Bytes the allocator has handed out and not had back: what the node holds, apart from what
/// the allocator keeps for reuse. Resident memory can creep while this stays flat, as freed
/// memory is kept rather than returned; this tells a leak from that.
#[cfg(feature = "jemalloc")]
pub fn in_use() -> Option<usize> {
    // jemalloc's statistics are a snapshot taken when the epoch advances.
    tikv_jemalloc_ctl::epoch::advance().ok()?;
    tikv_jemalloc_ctl::stats::allocated::read().ok()
}

#[cfg(all(not(feature = "jemalloc"), target_os = "linux", target_env = "gnu"))]
pub fn in_use() -> Option<usize> {
    // SAFETY: mallinfo2 takes no argument and only reads the allocator's own counters, under
    // its own locks; glibc has had it since 2.33.
    let info = unsafe { libc::mallinfo2() };
    Some(info.uordblks + info.hblkhd)
}

#[cfg(all(
    not(feature = "jemalloc"),
    not(all(target_os = "linux", target_env = "gnu"))
))]
pub fn in_use() -> Option<usize> {
    None
}

/// Gives the pages the allocator holds free back to the system. glibc keeps what a burst of
/// connections freed (in each thread's arena) for reuse, so resident memory would otherwise
/// stay at its highest and creep with churn while the heap in use stays flat. The walk holds
/// each arena's lock while it runs (`crease_memory_trim_seconds`).
#[cfg(feature = "jemalloc")]
pub fn return_free_memory() {
    // `arena.<MALLCTL_ARENAS_ALL>.purge`: every arena's unused dirty pages, now rather than
    // after their decay time. The call takes and gives nothing, so every pointer is null.
    const PURGE_ALL: &[u8] = b"arena.4096.purge\0";
    // SAFETY: the name is a NUL-terminated mallctl name that neither reads nor writes a value,
    // as the null pointers and zero length say.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_ALL.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}

#[cfg(all(not(feature = "jemalloc"), target_os = "linux", target_env = "gnu"))]
pub fn return_free_memory() {
    // SAFETY: malloc_trim only reads and releases the allocator's own free memory, under its
    // own locks; 0 keeps no padding at the top of the heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(all(
    not(feature = "jemalloc"),
    not(all(target_os = "linux", target_env = "gnu"))
))]
pub fn return_free_memory() {}
