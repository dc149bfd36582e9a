//! Human units for figures a person reads: whole numbers with thousands
//! separators, dollars to the cent, bytes in GB (decimal, as clouds bill).

pub use kdrsim_models::words::{count, plural, thousands};

/// Dollars to the cent with thousands separators: `$13,647.06`,
/// `-$3.10`. Rounds half away from zero.
pub fn usd(amount_usd: f64) -> String {
    let cents = (amount_usd.abs() * 100.0).round();
    // Beyond 2^63 cents a figure is noise, not money: pin it.
    let cents = if cents.is_finite() && cents < 9.2e18 {
        cents as u64
    } else {
        u64::MAX / 2
    };
    let sign = if amount_usd < 0.0 && cents > 0 {
        "-"
    } else {
        ""
    };
    format!("{sign}${}.{:02}", thousands(cents / 100), cents % 100)
}

/// A unit price in dollars: at least two decimals, up to four, so
/// `$0.30`, `$0.097`, `$0.0065`.
pub fn unit_usd(amount_usd: f64) -> String {
    let mut s = format!("{amount_usd:.4}");
    while s.ends_with('0') && s.len() - s.find('.').unwrap_or(0) > 3 {
        s.pop();
    }
    format!("${s}")
}

/// Bytes as decimal gigabytes (10^9, the unit clouds bill): `1,234.57 GB`.
pub fn gigabytes(bytes: f64) -> String {
    let hundredths = (bytes / 1e7).round().max(0.0);
    let hundredths = if hundredths.is_finite() && hundredths < 9.2e18 {
        hundredths as u64
    } else {
        u64::MAX / 2
    };
    format!("{}.{:02} GB", thousands(hundredths / 100), hundredths % 100)
}

/// A non-negative figure with thousands separators and `decimals`
/// decimals: `12,345.6`. Negative figures keep their sign.
pub fn thousands_f(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let scale = 10f64.powi(decimals as i32);
    let scaled = (x.abs() * scale).round();
    let scaled = if scaled < 9.2e18 {
        scaled as u64
    } else {
        u64::MAX / 2
    };
    let whole = scaled / scale as u64;
    let frac = scaled % scale as u64;
    let sign = if x < 0.0 && scaled > 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{}", thousands(whole))
    } else {
        format!("{sign}{}.{frac:0decimals$}", thousands(whole))
    }
}

/// A rate per second for a reader: thousands separators and at most one
/// decimal (none from 100/s on): `11,372/s`, `42.5/s`, `0/s`.
pub fn per_second(rate: f64) -> String {
    let decimals = if rate.abs() >= 100.0 { 0 } else { 1 };
    let text = thousands_f(rate, decimals);
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}/s")
}

/// A duration for a reader: `0`, `850 ms`, `12.5 s`, `4 min 12 s`,
/// `2 h 05 min`, `3 d 04 h`; never more than three significant figures
/// of noise.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms <= 0.0 {
        return "0".into();
    }
    let s = ms / 1000.0;
    if ms < 1000.0 {
        format!("{} ms", thousands_f(ms, if ms < 10.0 { 1 } else { 0 }))
    } else if s < 60.0 {
        format!("{} s", trim_zeros(format!("{s:.1}")))
    } else if s < 3600.0 {
        let whole = s.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else if s < 86_400.0 {
        let min = (s / 60.0).round() as u64;
        format!("{} h {:02} min", min / 60, min % 60)
    } else {
        let h = (s / 3600.0).round() as u64;
        format!("{} d {:02} h", thousands(h / 24), h % 24)
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An availability (a fraction of time) as a percentage with its nines:
/// `99.965% (3.5 nines)`, `100%`. Nines are −log10(1 − a), one decimal.
pub fn nines(availability: f64) -> String {
    let a = availability.clamp(0.0, 1.0);
    if a >= 1.0 {
        return "100%".into();
    }
    let n = -(1.0 - a).log10();
    // Enough decimals to show the first digit that is not a 9.
    let decimals = (n.floor() as usize).saturating_sub(1).clamp(1, 6);
    format!(
        "{}% ({:.1} nines)",
        trim_zeros(format!("{:.*}", decimals + 1, a * 100.0)),
        n
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_unit_a_person_would_say() {
        assert_eq!(duration_ms(0.0), "0");
        assert_eq!(duration_ms(850.0), "850 ms");
        assert_eq!(duration_ms(12_500.0), "12.5 s");
        assert_eq!(duration_ms(26_738.0), "26.7 s");
        assert_eq!(duration_ms(252_000.0), "4 min 12 s");
        assert_eq!(duration_ms(7_500_000.0), "2 h 05 min");
        assert_eq!(duration_ms(2.0 * 86_400_000.0), "2 d 00 h");
    }

    #[test]
    fn availability_shows_its_nines() {
        assert_eq!(nines(1.0), "100%");
        assert_eq!(nines(0.9965), "99.65% (2.5 nines)");
        assert_eq!(nines(0.99965), "99.965% (3.5 nines)");
        assert_eq!(nines(0.9), "90% (1.0 nines)");
    }

    #[test]
    fn fractional_figures_get_separators_too() {
        assert_eq!(thousands_f(11_371.805_8, 1), "11,371.8");
        assert_eq!(thousands_f(0.25, 2), "0.25");
        assert_eq!(thousands_f(1_234_567.0, 0), "1,234,567");
        assert_eq!(thousands_f(-0.001, 2), "0.00");
    }

    #[test]
    fn separators_every_three_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(3_600_000), "3,600,000");
    }

    #[test]
    fn dollars_to_the_cent() {
        assert_eq!(usd(13_647.064), "$13,647.06");
        assert_eq!(usd(0.005), "$0.01");
        assert_eq!(usd(-3.1), "-$3.10");
        assert_eq!(usd(-0.001), "$0.00");
    }

    #[test]
    fn unit_prices_keep_their_significant_decimals() {
        assert_eq!(unit_usd(0.3), "$0.30");
        assert_eq!(unit_usd(0.097), "$0.097");
        assert_eq!(unit_usd(0.0), "$0.00");
        assert_eq!(unit_usd(0.0065), "$0.0065");
    }

    #[test]
    fn gigabytes_are_decimal() {
        assert_eq!(gigabytes(1e9), "1.00 GB");
        assert_eq!(gigabytes(129_600e9), "129,600.00 GB");
    }
}
