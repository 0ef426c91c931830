//! Small queries run on the calling thread, not on Polars' thread pool.
//!
//! Polars' in-memory engine hands the work of every query to its rayon
//! pool and blocks the caller until a pool thread has done it. For the few
//! hundred rows of a briefing the hand-off costs more than the work: a
//! render of both bundled briefings made 1,330 `futex` and 668
//! `sched_yield` calls, the pool's threads spinning on the two cores the
//! report threads needed (BENCHMARKS.md, issue 12). Polars' own executor
//! threads switch the pool off for themselves with a thread-local flag
//! (`ALLOW_RAYON_THREADS`, polars-async 0.55.2): the work then runs on a
//! one-thread pool made of the calling thread. [`on_this_thread`] sets that
//! flag for one call, and [`is_small`] says when a query is small enough
//! for it: the reports of a run already occupy the cores side by side.

use polars::prelude::*;
use polars_async::executor::ALLOW_RAYON_THREADS;

/// A query that reads less than this (files scanned plus in-memory frames)
/// runs on the calling thread; larger ones use Polars' pool.
pub const INLINE_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Runs `f` with Polars' thread pool switched off for this thread, and
/// restores the previous setting afterwards (also when `f` panics; the
/// tests below check both).
pub fn on_this_thread<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ALLOW_RAYON_THREADS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(ALLOW_RAYON_THREADS.with(|c| c.replace(false)));
    f()
}

/// Runs `f` on this thread when `small` (see [`on_this_thread`]), on
/// Polars' pool otherwise.
pub fn on_this_thread_if<T>(small: bool, f: impl FnOnce() -> T) -> T {
    if small {
        on_this_thread(f)
    } else {
        f()
    }
}

/// The bytes of the in-memory frames a query plan reads.
pub fn in_memory_bytes(plan: &DslPlan) -> u64 {
    plan.into_iter()
        .map(|p| match p {
            DslPlan::DataFrameScan { df, .. } => df.estimated_size() as u64,
            _ => 0,
        })
        .sum()
}

/// Whether the plan reads files (a CSV, Parquet or JSON scan), rather than
/// only frames already in memory.
pub fn scans_files(plan: &DslPlan) -> bool {
    plan.into_iter().any(|p| matches!(p, DslPlan::Scan { .. }))
}

/// Whether a query that scans `scan_bytes` of files, with this plan, is
/// small enough to run on the calling thread.
pub fn is_small(scan_bytes: u64, plan: &DslPlan) -> bool {
    // The first test spares walking the plan of a large scan.
    scan_bytes < INLINE_MAX_BYTES
        && scan_bytes.saturating_add(in_memory_bytes(plan)) < INLINE_MAX_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_restored_after_the_call() {
        assert!(ALLOW_RAYON_THREADS.with(|c| c.get()));
        let inside = on_this_thread(|| ALLOW_RAYON_THREADS.with(|c| c.get()));
        assert!(!inside);
        assert!(ALLOW_RAYON_THREADS.with(|c| c.get()));
        let _ = std::panic::catch_unwind(|| on_this_thread(|| panic!("boom")));
        assert!(ALLOW_RAYON_THREADS.with(|c| c.get()));
    }

    #[test]
    fn small_and_large_plans() {
        let small = df!("a" => [1i64, 2, 3]).unwrap().lazy();
        assert!(is_small(0, &small.logical_plan));
        assert!(!is_small(INLINE_MAX_BYTES, &small.logical_plan));
        let big = DataFrame::new_infer_height(vec![Column::new("a".into(), vec![0i64; 1 << 20])])
            .unwrap()
            .lazy();
        // 8 MiB of i64, joined to the small frame.
        let joined =
            small
                .clone()
                .join(big, [col("a")], [col("a")], JoinArgs::new(JoinType::Inner));
        assert!(in_memory_bytes(&joined.logical_plan) >= 8 << 20);
        assert!(!scans_files(&joined.logical_plan));
        let csv = LazyCsvReader::new(PlRefPath::new("x.csv"))
            .finish()
            .unwrap();
        assert!(scans_files(
            &small
                .join(csv, [col("a")], [col("a")], JoinArgs::new(JoinType::Inner))
                .logical_plan
        ));
        assert!(!is_small(0, &joined.logical_plan));
    }
}
