//! Writes the `d = 1` ceiling table (`rust/src/ceiling_d1.bin`) to standard output:
//! `cargo run --release --example d1_table > rust/src/ceiling_d1.bin` (about a minute on two cores).
//! The table is deterministic: the same bytes at any thread count (`ceiling::d1_table_generate`).

use std::io::Write;

fn main() -> std::io::Result<()> {
    let t = std::time::Instant::now();
    let (bytes, ironed) = _core::ceiling::d1_table_generate();
    eprintln!(
        "{} values in {:.1} s; the largest change made by ironing out noise against the true order: {ironed:.2e}",
        bytes.len() / 2,
        t.elapsed().as_secs_f64()
    );
    std::io::stdout().write_all(&bytes)
}
