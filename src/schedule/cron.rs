//! Cron expressions and the pure decisions of the scheduler: the next runs
//! of a job in its time zone, what to do with occurrences that were not
//! started on time (after downtime, a suspend, a clock step, or while the
//! previous run was still going), and the back-off between retries.
//!
//! Cron parsing and the daylight-saving rules are croner's: a fixed-time job
//! (single second, minute and hour) whose time falls in a skipped hour runs
//! at the first instant after the gap; in a repeated hour it runs once, on
//! the first pass. Interval jobs (`*/15 …`) skip the gap and run on both
//! passes of a repeated hour. Every function here works on instants
//! (`DateTime<Utc>`) and takes the zone as an argument, so nothing depends on
//! the machine's zone.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// How late an occurrence may start and still count as on time. A loaded
/// machine can wake the loop a few seconds late; an occurrence later than
/// this was missed (machine asleep, clock stepped, scheduler stopped, or the
/// job busy) and follows the job's `catch_up` policy. 60 s is Quartz's
/// default `misfireThreshold`.
pub const MISFIRE_GRACE: Duration = Duration::from_secs(60);

/// A clock that goes back by less than this keeps the jobs' last handled
/// occurrence, so nothing that already ran runs again; a larger step is a
/// deliberate time change and the schedule restarts from the new time
/// (Vixie cron's rule, with its three hours).
pub const CLOCK_STEP_TOLERANCE: Duration = Duration::from_secs(3 * 3600);

/// Missed occurrences recorded one row each, per catch-up: enough for a
/// month of a daily job; a job every second after a day of downtime records
/// the most recent ones and counts the rest.
pub const MAX_MISSED_ROWS: usize = 100;

/// Occurrences examined when catching up before jumping ahead: bounds the
/// work (a few tens of milliseconds) after long downtime of a frequent job.
pub const MAX_CATCH_UP_SCAN: u64 = 100_000;

/// When the scan above is exhausted, it restarts this long before now. A day
/// holds at most 86,400 occurrences, fewer than [`MAX_CATCH_UP_SCAN`], so the
/// second scan always reaches now.
pub const SCAN_RESTART_WINDOW: Duration = Duration::from_secs(86_400);

/// The longest wait between two attempts, however many retries: a job that
/// keeps failing still retries within the hour.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// A parsed cron expression: 5 fields (minute hour day-of-month month
/// day-of-week) or 6 (with seconds first), names (`MON`, `JAN`), `L`, `#`,
/// `W`, ranges, lists, steps, and the nicknames `@daily` etc.
#[derive(Debug, Clone)]
pub struct CronSpec {
    text: String,
    cron: Cron,
}

impl CronSpec {
    /// Parses `text`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<CronSpec, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("is empty".into());
        }
        if !t.starts_with('@') {
            let n = t.split_whitespace().count();
            if n != 5 && n != 6 {
                return Err(format!(
                    "has {n} field(s); use 5 (minute hour day month weekday) or 6 (second minute hour day month weekday)"
                ));
            }
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(t)
            .map_err(|e| format!("is not a valid cron expression: {e}"))?;
        let spec = CronSpec {
            text: t.to_string(),
            cron,
        };
        if spec.next_after(Utc::now(), chrono_tz::UTC).is_none() {
            return Err("never matches a date".into());
        }
        Ok(spec)
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The six fields (seconds first; `0` when the expression has five),
    /// nicknames expanded (`@daily` is `0 0 0 * * *`).
    pub fn fields(&self) -> Vec<String> {
        let expanded = match self.text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => self.text.as_str(),
        };
        let mut f: Vec<String> = expanded.split_whitespace().map(str::to_string).collect();
        if f.len() == 5 {
            f.insert(0, "0".into());
        }
        f
    }

    /// The first occurrence strictly after `t`, in zone `tz`.
    pub fn next_after(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&t.with_timezone(&tz), false)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }

    /// The next `n` occurrences after `t`, in zone `tz`.
    pub fn upcoming(&self, t: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Tz>> {
        let mut out = Vec::with_capacity(n);
        let mut cur = t;
        while out.len() < n {
            match self.next_after(cur, tz) {
                Some(next) => {
                    out.push(next.with_timezone(&tz));
                    cur = next;
                }
                None => break,
            }
        }
        out
    }
}

/// What to do with occurrences that were not started on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Run once, for the most recent missed occurrence; record the others as missed.
    Once,
    /// Run nothing; record every missed occurrence as missed.
    Skip,
}

impl CatchUp {
    pub fn as_str(&self) -> &'static str {
        match self {
            CatchUp::Once => "once",
            CatchUp::Skip => "skip",
        }
    }
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its scheduled time came.
    Schedule,
    /// It runs late, for an occurrence that was missed (`catch_up = "once"`).
    CatchUp,
    /// `dossier schedule trigger NAME`.
    Manual,
}

impl Trigger {
    pub fn as_str(&self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// The decision for the occurrences that are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The occurrence to run now, and why.
    pub run: Option<(DateTime<Utc>, Trigger)>,
    /// Occurrences to record as missed, oldest first (at most
    /// [`MAX_MISSED_ROWS`] + 1).
    pub missed: Vec<DateTime<Utc>>,
    /// Further missed occurrences, older than those listed, only counted
    /// (a lower bound when the scan jumped ahead).
    pub unlisted: u64,
    /// The occurrence handled last: the new "last due" of the job.
    pub last_due: DateTime<Utc>,
}

/// Plans the occurrences in (`last_due`, `now`] of a job in zone `tz`; `None`
/// when there are none. Only the most recent occurrence can run: on time
/// (within `grace`) it runs as scheduled; late, it runs as a catch-up with
/// [`CatchUp::Once`] or is missed with [`CatchUp::Skip`]. Older ones are
/// missed, so downtime, a suspend or a forward clock step never fires a
/// storm of runs.
pub fn plan(
    cron: &CronSpec,
    tz: Tz,
    last_due: DateTime<Utc>,
    now: DateTime<Utc>,
    catch_up: CatchUp,
    grace: Duration,
) -> Option<Plan> {
    let mut ring: VecDeque<DateTime<Utc>> = VecDeque::new();
    let mut total: u64 = 0;
    let mut cursor = last_due;
    let mut scanned: u64 = 0;
    let mut jumped = false;
    while let Some(next) = cron.next_after(cursor, tz) {
        if next > now {
            break;
        }
        total += 1;
        ring.push_back(next);
        if ring.len() > MAX_MISSED_ROWS + 1 {
            ring.pop_front();
        }
        cursor = next;
        scanned += 1;
        if scanned >= MAX_CATCH_UP_SCAN && !jumped {
            // Too many to walk: jump to a day before now; the occurrences
            // skipped over are only counted as "at least".
            jumped = true;
            let restart = now - chrono::Duration::from_std(SCAN_RESTART_WINDOW).unwrap_or_default();
            if restart > cursor {
                cursor = restart;
                ring.clear();
            }
        }
    }
    let latest = ring.pop_back()?;
    let mut missed: Vec<DateTime<Utc>> = ring.into_iter().collect();
    let late = now - latest > chrono::Duration::from_std(grace).unwrap_or_default();
    let run = match (late, catch_up) {
        (false, _) => Some((latest, Trigger::Schedule)),
        (true, CatchUp::Once) => Some((latest, Trigger::CatchUp)),
        (true, CatchUp::Skip) => {
            missed.push(latest);
            None
        }
    };
    let listed = missed.len() as u64 + u64::from(run.is_some());
    Some(Plan {
        run,
        unlisted: total.saturating_sub(listed),
        missed,
        last_due: latest,
    })
}

/// True when the clock now reads more than [`CLOCK_STEP_TOLERANCE`] before
/// the last handled occurrence: the time was set back on purpose.
pub fn clock_went_back(last_due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    last_due - now > chrono::Duration::from_std(CLOCK_STEP_TOLERANCE).unwrap_or_default()
}

/// The wait before the next attempt after `failures` failed attempts (1 or
/// more): `base`, doubled after each further failure, at most [`MAX_BACKOFF`].
pub fn backoff(base: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(30));
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(cron: &str, tz: Tz, after: &str, n: usize) -> Vec<String> {
        CronSpec::parse(cron)
            .unwrap()
            .upcoming(utc(after), tz, n)
            .iter()
            .map(|d| d.to_rfc3339())
            .collect()
    }

    #[test]
    fn five_and_six_fields_names_l_and_hash() {
        assert!(CronSpec::parse("0 7 * * *").is_ok());
        assert!(CronSpec::parse("30 0 7 * * MON-FRI").is_ok());
        assert!(CronSpec::parse("0 9 L * *").is_ok());
        assert!(CronSpec::parse("0 9 * * FRI#2").is_ok());
        assert!(CronSpec::parse("0 9 * JAN,JUL 5#L").is_ok());
        assert!(CronSpec::parse("@daily").is_ok());
        assert!(CronSpec::parse("0 9 15W * *").is_ok());
        // `+` makes day of month AND weekday: the 1st when it is a Monday
        // (June 2026 starts on a Monday).
        assert_eq!(
            local("0 9 1 * +MON", chrono_tz::UTC, "2026-01-01T00:00:00Z", 1),
            ["2026-06-01T09:00:00+00:00"]
        );
        let e = CronSpec::parse("0 7 * *").unwrap_err();
        assert!(e.contains("4 field(s)"), "{e}");
        assert!(CronSpec::parse("0 0 7 * * * 2030").is_err());
        assert!(CronSpec::parse("0 61 * * *").is_err());
        assert!(CronSpec::parse("0 7 * * FOO").is_err());
        assert_eq!(
            CronSpec::parse("0 0 30 2 *").unwrap_err(),
            "never matches a date"
        );
        // The second Friday of December 2026 is the 11th; the last day of
        // February 2028 (a leap year) the 29th.
        assert_eq!(
            local("0 9 * * FRI#2", chrono_tz::UTC, "2026-12-01T00:00:00Z", 1),
            ["2026-12-11T09:00:00+00:00"]
        );
        assert_eq!(
            local("0 9 L 2 *", chrono_tz::UTC, "2028-01-01T00:00:00Z", 1),
            ["2028-02-29T09:00:00+00:00"]
        );
    }

    #[test]
    fn no_dst_zone_keeps_its_offset_all_year() {
        // Asia/Almaty (Astana's zone) is UTC+5 all year since March 2024.
        let tz: Tz = "Asia/Almaty".parse().unwrap();
        for after in ["2026-03-28T00:00:00Z", "2026-10-24T00:00:00Z"] {
            let runs = local("0 0 7 * * *", tz, after, 3);
            assert_eq!(runs.len(), 3);
            for r in &runs {
                assert!(r.ends_with("T07:00:00+05:00"), "{r}");
            }
        }
        let n = CronSpec::parse("0 7 * * *")
            .unwrap()
            .next_after(utc("2026-11-29T01:59:59Z"), tz)
            .unwrap();
        assert_eq!(n, utc("2026-11-29T02:00:00Z"));
    }

    #[test]
    fn berlin_spring_forward_runs_fixed_jobs_after_the_gap() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            local("0 30 2 * * *", tz, "2026-03-28T12:00:00Z", 3),
            [
                "2026-03-29T03:00:00+02:00",
                "2026-03-30T02:30:00+02:00",
                "2026-03-31T02:30:00+02:00"
            ]
        );
        // Interval jobs skip the missing hour.
        assert_eq!(
            local("0 */30 * * * *", tz, "2026-03-28T23:40:00Z", 3),
            [
                "2026-03-29T01:00:00+01:00",
                "2026-03-29T01:30:00+01:00",
                "2026-03-29T03:00:00+02:00"
            ]
        );
    }

    #[test]
    fn berlin_fall_back_runs_fixed_jobs_once() {
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            local("0 30 2 * * *", tz, "2026-10-24T12:00:00Z", 3),
            [
                "2026-10-25T02:30:00+02:00",
                "2026-10-26T02:30:00+01:00",
                "2026-10-27T02:30:00+01:00"
            ]
        );
        // Interval jobs run on both passes.
        assert_eq!(
            local("0 30 * * * *", tz, "2026-10-24T23:00:00Z", 4),
            [
                "2026-10-25T01:30:00+02:00",
                "2026-10-25T02:30:00+02:00",
                "2026-10-25T02:30:00+01:00",
                "2026-10-25T03:30:00+01:00"
            ]
        );
        // A daily 07:00 job is 06:00 UTC in winter and 05:00 UTC in summer.
        let c = CronSpec::parse("0 7 * * *").unwrap();
        assert_eq!(
            c.next_after(utc("2026-10-24T12:00:00Z"), tz).unwrap(),
            utc("2026-10-25T06:00:00Z")
        );
        assert_eq!(
            c.next_after(utc("2026-10-23T12:00:00Z"), tz).unwrap(),
            utc("2026-10-24T05:00:00Z")
        );
    }

    #[test]
    fn plan_on_time_late_once_and_skip() {
        let tz: Tz = "Asia/Almaty".parse().unwrap();
        let c = CronSpec::parse("0 7 * * *").unwrap();
        let last = utc("2026-11-26T02:00:00Z");
        // Nothing due yet.
        assert_eq!(
            plan(
                &c,
                tz,
                last,
                utc("2026-11-27T01:59:59Z"),
                CatchUp::Once,
                MISFIRE_GRACE
            ),
            None
        );
        // On time (a second late): runs as scheduled.
        let p = plan(
            &c,
            tz,
            last,
            utc("2026-11-27T02:00:01Z"),
            CatchUp::Skip,
            MISFIRE_GRACE,
        )
        .unwrap();
        assert_eq!(
            p.run,
            Some((utc("2026-11-27T02:00:00Z"), Trigger::Schedule))
        );
        assert!(p.missed.is_empty());
        // Three days of downtime, back at 09:30 local: once runs the latest.
        let now = utc("2026-11-29T04:30:00Z");
        let p = plan(&c, tz, last, now, CatchUp::Once, MISFIRE_GRACE).unwrap();
        assert_eq!(p.run, Some((utc("2026-11-29T02:00:00Z"), Trigger::CatchUp)));
        assert_eq!(
            p.missed,
            [utc("2026-11-27T02:00:00Z"), utc("2026-11-28T02:00:00Z")]
        );
        assert_eq!(p.unlisted, 0);
        assert_eq!(p.last_due, utc("2026-11-29T02:00:00Z"));
        // ... and skip runs nothing and records all three.
        let p = plan(&c, tz, last, now, CatchUp::Skip, MISFIRE_GRACE).unwrap();
        assert_eq!(p.run, None);
        assert_eq!(p.missed.len(), 3);
        assert_eq!(p.last_due, utc("2026-11-29T02:00:00Z"));
    }

    #[test]
    fn plan_bounds_a_long_gap_of_a_frequent_job() {
        let c = CronSpec::parse("* * * * * *").unwrap();
        let last = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap();
        let p = plan(&c, chrono_tz::UTC, last, now, CatchUp::Skip, MISFIRE_GRACE).unwrap();
        // The occurrence at `now` is on time and runs; the 100 before it are
        // listed as missed and the rest only counted.
        assert_eq!(p.run, Some((now, Trigger::Schedule)));
        assert_eq!(p.missed.len(), MAX_MISSED_ROWS);
        assert_eq!(
            *p.missed.last().unwrap(),
            now - chrono::Duration::seconds(1)
        );
        assert!(p.unlisted >= 86_400, "{}", p.unlisted);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 1), Duration::from_secs(30));
        assert_eq!(backoff(b, 2), Duration::from_secs(60));
        assert_eq!(backoff(b, 3), Duration::from_secs(120));
        assert_eq!(backoff(b, 40), MAX_BACKOFF);
    }

    #[test]
    fn clock_steps() {
        let t = utc("2026-11-29T02:00:00Z");
        assert!(!clock_went_back(t, t - chrono::Duration::hours(1)));
        assert!(clock_went_back(t, t - chrono::Duration::hours(4)));
        assert!(!clock_went_back(t, t + chrono::Duration::days(3)));
    }
}
