//! A tiny deterministic parallel map over fixed-size chunks (results keep their order and do
//! not depend on the number of threads).

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Applies `f(chunk_index, range)` to consecutive chunks of `0..n` of `chunk` items on every
/// available core and concatenates the results in order.
pub fn chunks<T: Send>(
    n: usize,
    chunk: usize,
    f: impl Fn(usize, Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    let chunk = chunk.max(1);
    let ranges: Vec<Range<usize>> = (0..n)
        .step_by(chunk)
        .map(|s| s..(s + chunk).min(n))
        .collect();
    if ranges.len() <= 1 {
        return ranges
            .into_iter()
            .enumerate()
            .flat_map(|(i, r)| f(i, r))
            .collect();
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(ranges.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Vec<T>>>> = Mutex::new((0..ranges.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(r) = ranges.get(i) else { break };
                    let out = f(i, r.clone());
                    if let Ok(mut res) = results.lock() {
                        res[i] = Some(out);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let v = super::chunks(10_000, 7, |_, r| r.collect());
        assert_eq!(v, (0..10_000).collect::<Vec<_>>());
    }
}
