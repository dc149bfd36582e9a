//! Human units for figures a person reads: whole numbers with thousands
//! separators, dollars to the cent, bytes in GB (decimal, as clouds bill).

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
