//! FNV-1a, 64-bit: the fingerprint kdrsim writes beside its own files (a
//! scenario text in a shard's header, a shard's whole content, the files
//! listed in an output directory's manifest).
//!
//! It tells an edited, truncated or damaged file from the one kdrsim wrote,
//! and it is the same on every platform and Rust version. It is not a
//! security measure: someone who edits a file on purpose can recompute it.

/// A running FNV-1a-64 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash as 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// The hash of `bytes`, as [`hex`](Self::hex).
    pub fn of(bytes: &[u8]) -> String {
        let mut h = Fnv64::default();
        h.update(bytes);
        h.hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_streaming_equals_one_pass() {
        assert_eq!(Fnv64::of(b""), "cbf29ce484222325");
        assert_eq!(Fnv64::of(b"a"), "af63dc4c8601ec8c");
        let mut h = Fnv64::default();
        h.update(b"foo");
        h.update(b"bar");
        assert_eq!(h.hex(), Fnv64::of(b"foobar"));
    }
}
