//! The area difference at the property certificate (产权面积 against 预售面积) and
//! what it costs or refunds (退补款), by 商品房销售管理办法 第二十条 unless the
//! contract says otherwise: within 3% of the pre-sale area either way, the
//! difference is settled at the contract's price per square metre; above 3% more,
//! the buyer pays for the first 3% only (the developer bears the rest); above 3%
//! less, the first 3% is refunded at the price and the rest at twice the price.
//! Beyond 3% either way the buyer may also withdraw from the purchase.

/// The settlement of an area difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// Surveyed minus pre-sale area, in hundredths of a square metre.
    pub diff_centi: i64,
    /// What the buyer pays (positive) or is refunded (negative), in fen.
    pub adjust_fen: i64,
    /// The difference is more than 3% of the pre-sale area: the buyer may
    /// withdraw.
    pub beyond_three_percent: bool,
}

/// The settlement for a contract of `price_fen` over `presale_centi` whose unit
/// measured `surveyed_centi`.
pub fn settle(presale_centi: i64, surveyed_centi: i64, price_fen: i64) -> Settlement {
    let presale = i128::from(presale_centi.max(1));
    let diff = i128::from(surveyed_centi) - i128::from(presale_centi);
    // In hundredths of the area's unit, so 3% of it is exact.
    let d = diff * 100;
    let limit = presale * 3;
    let priced = if d > limit {
        limit
    } else if d < -limit {
        -(limit + 2 * (-d - limit))
    } else {
        d
    };
    let num = i128::from(price_fen) * priced;
    let den = presale * 100;
    // Rounded to the nearest fen, halves away from zero.
    let adjust = (2 * num + num.signum() * den) / (2 * den);
    Settlement {
        diff_centi: i64::try_from(diff).unwrap_or(0),
        adjust_fen: i64::try_from(adjust).unwrap_or(0),
        beyond_three_percent: d.abs() > limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 100.00 m² sold for 1,000,000.00 元: 10,000 元 a square metre.
    const AREA: i64 = 10_000;
    const PRICE: i64 = 100_000_000;

    #[test]
    fn within_three_percent_the_difference_is_paid_or_refunded_at_the_price() {
        assert_eq!(settle(AREA, AREA, PRICE).adjust_fen, 0);
        let more = settle(AREA, 10_150, PRICE);
        assert_eq!(more.diff_centi, 150);
        assert_eq!(more.adjust_fen, 1_500_000);
        assert!(!more.beyond_three_percent);
        assert_eq!(settle(AREA, 9_700, PRICE).adjust_fen, -3_000_000);
        assert!(!settle(AREA, 9_700, PRICE).beyond_three_percent);
    }

    #[test]
    fn beyond_three_percent_more_is_free_and_less_is_refunded_twice() {
        // 5 m² more: the buyer pays for 3 m² only.
        let more = settle(AREA, 10_500, PRICE);
        assert_eq!(more.adjust_fen, 3_000_000);
        assert!(more.beyond_three_percent);
        // 5 m² less: 3 m² at the price, 2 m² at twice it.
        let less = settle(AREA, 9_500, PRICE);
        assert_eq!(less.adjust_fen, -(3_000_000 + 4_000_000));
        assert!(less.beyond_three_percent);
    }

    #[test]
    fn a_settlement_is_rounded_to_the_fen() {
        // 89.56 m² for 1,325,000 元, measured 89.73 m²: 0.17 m² at 14,794.55 元.
        let s = settle(8_956, 8_973, 132_500_000);
        assert_eq!(s.adjust_fen, 251_507);
        assert_eq!(settle(8_956, 8_939, 132_500_000).adjust_fen, -251_507);
    }
}
