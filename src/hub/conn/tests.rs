mod lag {
    use super::super::*;

    fn delta(seq: i64) -> Frame {
        Frame::message((1, seq), FrameKind::Delta, br#"{"type":"ball"}"#)
    }

    #[test]
    fn a_lagging_client_is_resumed_from_what_it_was_sent() {
        let conn = Conn::new(1, 1, Transport::Sse { gzip: false }, 0);
        conn.finish_seeding((1, 0), Vec::new());
        for seq in 1..=3 {
            conn.offer(&delta(seq));
        }
        // The response body sends 1..=3; then the client stops reading.
        for _ in 0..3 {
            conn.pop().expect("queued");
        }
        let mut outcome = Outcome::Fine;
        for seq in 4..=(4 + MAX_QUEUED_FRAMES as i64) {
            outcome = conn.offer(&delta(seq));
        }
        assert_eq!(outcome, Outcome::Resync);
        assert!(conn.take_resync());
        // Resumed from 3, not from the newest dropped message: 4.. must still reach it.
        assert_eq!(conn.last(), (1, 3));
        assert!(conn.pop().is_none(), "nothing unsent is kept");
    }
}

mod epochs {
    use super::super::*;

    fn frame(kind: FrameKind, epoch: i64, seq: i64) -> Frame {
        Frame::message((epoch, seq), kind, br#"{"type":"x"}"#)
    }

    #[test]
    fn a_newer_epoch_replaces_the_state_and_an_older_one_is_dropped() {
        let conn = Conn::new(1, 1, Transport::Sse { gzip: false }, 0);
        conn.finish_seeding((-1, -1), vec![frame(FrameKind::Snapshot, 1, 30)]);
        conn.pop().expect("the first snapshot");
        // A restored history: seq 5 of a newer epoch is later than seq 30 of the old one.
        conn.offer(&frame(FrameKind::Delta, 2, 6));
        assert!(
            conn.take_resync(),
            "a change of epoch needs a snapshot first"
        );
        assert!(conn.pop().is_none());
        conn.offer(&frame(FrameKind::Snapshot, 2, 5));
        conn.offer(&frame(FrameKind::Delta, 2, 6));
        conn.offer(&frame(FrameKind::Delta, 1, 31));
        conn.offer(&frame(FrameKind::Snapshot, 1, 40));
        assert_eq!(conn.last(), (2, 6));
        assert!(conn.pop().is_some() && conn.pop().is_some());
        assert!(
            conn.pop().is_none(),
            "nothing of the old epoch after the new one"
        );
    }
}
