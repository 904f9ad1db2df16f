//! Dates as Deploy writes and reads them: ISO-8601 in Korea Standard Time
//! (`2025-03-01T12:00:00+09:00`, as every sample of the guide), and `yyyy-MM-dd` calendar
//! days of KST for the history window.

use jiff::civil::Date;
use jiff::tz::{self, TimeZone};
use jiff::{Timestamp, Zoned};

fn kst() -> TimeZone {
    TimeZone::fixed(tz::offset(9))
}

fn zoned(ms: i64) -> Zoned {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(kst())
}

/// `2025-03-01T12:00:00+09:00` for an epoch-ms instant.
pub(super) fn iso(ms: i64) -> String {
    zoned(ms).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The KST calendar day of an epoch-ms instant.
pub(super) fn kst_date(ms: i64) -> Date {
    zoned(ms).date()
}

/// A strict `yyyy-MM-dd` day.
pub(super) fn parse_day(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    Date::strptime("%Y-%m-%d", text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_kst() {
        // 2025-03-01T03:00:00Z
        let ms = 1_740_798_000_000;
        assert_eq!(iso(ms), "2025-03-01T12:00:00+09:00");
        assert_eq!(kst_date(ms).to_string(), "2025-03-01");
        // 15:30 UTC is already the next day in Seoul.
        assert_eq!(kst_date(1_740_843_000_000).to_string(), "2025-03-02");
    }

    #[test]
    fn days_are_strict() {
        assert_eq!(parse_day("2025-01-31").unwrap().to_string(), "2025-01-31");
        for bad in [
            "2025-1-31",
            "2025/01/31",
            "2025-02-30",
            "20250131",
            "2025-01-31T00",
        ] {
            assert!(parse_day(bad).is_none(), "{bad}");
        }
    }
}
