//! [`Quota`]: "N requests per period", parsed from `5/min`, `100/15min`, `1000/h`.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// Seconds in each unit a quota may be written in, longest first (the order
/// [`Quota`]'s `Display` tries them in).
const UNITS: [(&str, u64); 4] = [("day", 86_400), ("h", 3_600), ("min", 60), ("s", 1)];

/// The longest period a quota may have: 366 days (keeps every time computation,
/// here, in governor and in Redis, far from overflow).
pub const MAX_PERIOD: Duration = Duration::from_secs(366 * 86_400);

/// How many requests a key may make per period: `limit` requests, replenished
/// evenly over `period` (GCRA), so a full burst of `limit` is available again once
/// a whole period has passed without requests.
///
/// Written `N/period` in code, config and the environment, where the period is an
/// optional whole multiplier and a unit: `s`/`sec`, `m`/`min`, `h`/`hour`,
/// `d`/`day` (plurals such as `mins` and `hours` are accepted too).
///
/// ```
/// use std::time::Duration;
/// use strata::rate_limit::Quota;
///
/// let quota: Quota = "100/15min".parse().unwrap();
/// assert_eq!(quota.limit(), 100);
/// assert_eq!(quota.period(), Duration::from_secs(900));
/// assert_eq!(quota.to_string(), "100/15min");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    limit: NonZeroU32,
    period: Duration,
}

/// Why a quota string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuotaError {
    /// No `/` between the count and the period.
    #[error("quota `{0}` must look like N/period, e.g. 5/min, 100/15min, 1000/h")]
    Format(String),
    /// The count is not a whole number from 1 to 4294967295.
    #[error("quota `{0}`: the request count must be a whole number of at least 1")]
    Limit(String),
    /// The period's unit is not one of s, sec, min, m, h, hour, day, d.
    #[error("quota `{0}`: the period unit must be one of s, sec, m, min, h, hour, d, day")]
    Unit(String),
    /// The period's multiplier is zero, not a number, or makes the period longer
    /// than [`MAX_PERIOD`].
    #[error(
        "quota `{0}`: the period multiplier must be a whole number of at least 1, for a period of at most 366 days"
    )]
    Multiplier(String),
}

impl Quota {
    /// `limit` requests per `period`; `None` when either is zero, the period is
    /// longer than [`MAX_PERIOD`], or shorter than one nanosecond per request.
    pub fn new(limit: u32, period: Duration) -> Option<Self> {
        let limit = NonZeroU32::new(limit)?;
        (period / limit.get() > Duration::ZERO && period <= MAX_PERIOD)
            .then_some(Self { limit, period })
    }

    /// `limit` requests per second.
    pub fn per_second(limit: NonZeroU32) -> Self {
        Self {
            limit,
            period: Duration::from_secs(1),
        }
    }

    /// `limit` requests per minute.
    pub fn per_minute(limit: NonZeroU32) -> Self {
        Self {
            limit,
            period: Duration::from_secs(60),
        }
    }

    /// The most requests a key may make in one period (the burst size).
    pub fn limit(&self) -> u32 {
        self.limit.get()
    }

    /// The period over which `limit` requests are replenished.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The time one request's worth of quota takes to come back (GCRA's emission
    /// interval): `period / limit`.
    pub fn interval(&self) -> Duration {
        self.period / self.limit.get()
    }

    /// The same quota for governor.
    pub(crate) fn to_governor(self) -> governor::Quota {
        // `new` and `FromStr` guarantee a non-zero interval; fall back to the
        // smallest period governor accepts rather than panicking.
        governor::Quota::with_period(self.interval())
            .unwrap_or_else(|| governor::Quota::per_second(self.limit))
            .allow_burst(self.limit)
    }
}

impl FromStr for Quota {
    type Err = QuotaError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let (count, period) = trimmed
            .split_once('/')
            .ok_or_else(|| QuotaError::Format(text.to_owned()))?;
        let limit = count
            .trim()
            .parse::<NonZeroU32>()
            .map_err(|_| QuotaError::Limit(text.to_owned()))?;
        let period = period.trim();
        let split = period
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| QuotaError::Unit(text.to_owned()))?;
        let (multiplier, unit) = period.split_at(split);
        let multiplier = if multiplier.is_empty() {
            1
        } else {
            multiplier
                .parse::<u64>()
                .ok()
                .filter(|m| *m > 0)
                .ok_or_else(|| QuotaError::Multiplier(text.to_owned()))?
        };
        let unit_secs =
            unit_seconds(unit.trim()).ok_or_else(|| QuotaError::Unit(text.to_owned()))?;
        let secs = multiplier
            .checked_mul(unit_secs)
            .ok_or_else(|| QuotaError::Multiplier(text.to_owned()))?;
        Self::new(limit.get(), Duration::from_secs(secs))
            .ok_or_else(|| QuotaError::Multiplier(text.to_owned()))
    }
}

fn unit_seconds(unit: &str) -> Option<u64> {
    let secs = match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    };
    Some(secs)
}

impl fmt::Display for Quota {
    /// The canonical form: the longest unit that divides the period, with the
    /// multiplier left out when it is 1 (`5/min`, `100/15min`, `1000/h`). Periods
    /// that are not whole seconds (only possible through [`Quota::new`]) are
    /// written in milliseconds, which do not parse back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limit = self.limit;
        if self.period.subsec_nanos() != 0 {
            return write!(f, "{limit}/{}ms", self.period.as_millis());
        }
        let secs = self.period.as_secs();
        let (unit, size) = UNITS
            .into_iter()
            .find(|(_, size)| secs.is_multiple_of(*size))
            .unwrap_or(("s", 1));
        match secs / size {
            1 => write!(f, "{limit}/{unit}"),
            n => write!(f, "{limit}/{n}{unit}"),
        }
    }
}

impl serde::Serialize for Quota {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Quota {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quota {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_documented_forms_parse() {
        let cases = [
            ("5/min", 5, 60),
            ("100/15min", 100, 900),
            ("1000/h", 1000, 3_600),
            ("10/s", 10, 1),
            ("2/day", 2, 86_400),
            ("3/sec", 3, 1),
            ("4/m", 4, 60),
            ("6/hour", 6, 3_600),
            ("7/d", 7, 86_400),
            ("8/2h", 8, 7_200),
            (" 9 / 30s ", 9, 30),
            ("1/5MIN", 1, 300),
        ];
        for (text, limit, secs) in cases {
            let quota = q(text);
            assert_eq!(quota.limit(), limit, "{text}");
            assert_eq!(quota.period(), Duration::from_secs(secs), "{text}");
        }
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        for (text, shown) in [
            ("5/min", "5/min"),
            ("100/15min", "100/15min"),
            ("1000/h", "1000/h"),
            ("10/s", "10/s"),
            ("2/day", "2/day"),
            ("3/sec", "3/s"),
            ("4/60m", "4/h"),
            ("5/90s", "5/90s"),
            ("6/48h", "6/2day"),
            ("7/366d", "7/366day"),
        ] {
            let quota = q(text);
            assert_eq!(quota.to_string(), shown, "{text}");
            assert_eq!(q(shown), quota, "{text}");
        }
    }

    #[test]
    fn bad_forms_are_rejected_with_the_reason() {
        type Expected = fn(&QuotaError) -> bool;
        let cases: [(&str, Expected); 11] = [
            ("", |e| matches!(e, QuotaError::Format(_))),
            ("5", |e| matches!(e, QuotaError::Format(_))),
            ("0/min", |e| matches!(e, QuotaError::Limit(_))),
            ("-1/min", |e| matches!(e, QuotaError::Limit(_))),
            ("x/min", |e| matches!(e, QuotaError::Limit(_))),
            ("5/", |e| matches!(e, QuotaError::Unit(_))),
            ("5/15", |e| matches!(e, QuotaError::Unit(_))),
            ("5/week", |e| matches!(e, QuotaError::Unit(_))),
            ("5/0min", |e| matches!(e, QuotaError::Multiplier(_))),
            ("5/367d", |e| matches!(e, QuotaError::Multiplier(_))),
            ("5/99999999999999999999s", |e| {
                matches!(e, QuotaError::Multiplier(_))
            }),
        ];
        for (text, expected) in cases {
            let err = text.parse::<Quota>().unwrap_err();
            assert!(expected(&err), "{text}: {err:?}");
            assert!(err.to_string().contains(text), "{text}: {err}");
        }
    }

    #[test]
    fn interval_and_governor_quota_agree() {
        let quota = q("100/15min");
        assert_eq!(quota.interval(), Duration::from_secs(9));
        let governor = quota.to_governor();
        assert_eq!(governor.burst_size().get(), 100);
        assert_eq!(governor.replenish_interval(), Duration::from_secs(9));
        assert_eq!(Quota::new(0, Duration::from_secs(1)), None);
        assert_eq!(Quota::new(1, Duration::ZERO), None);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let quota: Quota = serde_json::from_str("\"5/min\"").unwrap();
        assert_eq!(quota, q("5/min"));
        assert_eq!(serde_json::to_string(&quota).unwrap(), "\"5/min\"");
        assert!(serde_json::from_str::<Quota>("\"5/week\"").is_err());
    }
}
