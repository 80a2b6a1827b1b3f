//! A product's stock split over shards, so that concurrent buyers rarely write one item: how
//! many shards, how a set total spreads over them, and where a hold takes its units.
use serde::{Deserialize, Serialize};

use super::DomainError;

/// How many items a product's stock is split over: 1 (the product item alone) to 32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct StockShards(u8);

impl StockShards {
    pub const ONE: Self = Self(1);
    pub const MAX: u8 = 32;
    /// Units per shard the automatic count aims at: a hot product's shards rarely run dry.
    const UNITS_PER_SHARD: i64 = 100;
    /// The most shards the automatic count gives; more is the admin's call.
    const MAX_AUTOMATIC: i64 = 8;

    pub fn parse(count: i64) -> Result<Self, DomainError> {
        u8::try_from(count).ok().filter(|c| (1..=Self::MAX).contains(c)).map(Self).ok_or_else(|| {
            DomainError::invalid("/stock_shards", format!("stock_shards must be from 1 to {}", Self::MAX))
        })
    }

    /// The count a product gets when the admin names none: one per 100 units, at most 8.
    pub fn for_stock(stock: i64) -> Self {
        Self((stock / Self::UNITS_PER_SHARD).clamp(1, Self::MAX_AUTOMATIC) as u8)
    }

    pub fn count(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for StockShards {
    fn default() -> Self {
        Self::ONE
    }
}

impl TryFrom<u8> for StockShards {
    type Error = DomainError;

    fn try_from(count: u8) -> Result<Self, Self::Error> {
        Self::parse(i64::from(count))
    }
}

impl From<StockShards> for u8 {
    fn from(shards: StockShards) -> Self {
        shards.0
    }
}

/// Units of one product an order holds in one shard: what its release gives back there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHold {
    pub product_id: String,
    pub shard: u8,
    pub quantity: u32,
}

/// `total` units over `shards` shards, as evenly as can be (the first ones get the rest).
pub fn spread(total: i64, shards: usize) -> Vec<i64> {
    let shards = shards.max(1);
    let (each, rest) = (total / shards as i64, total % shards as i64);
    (0..shards as i64).map(|k| each + i64::from(k < rest)).collect()
}

/// Where `quantity` units of `product_id` are held among shards holding `units`: in one
/// shard that has them all, chosen by a hash of the order among those that do, so that
/// concurrent buyers spread; else split over several, walking from the hashed shard, so
/// that no unit is stranded. `None` when all the shards together are short.
pub fn take(order_id: &str, product_id: &str, quantity: u32, units: &[i64]) -> Option<Vec<ShardHold>> {
    let wanted = i64::from(quantity);
    if units.is_empty() || units.iter().map(|u| (*u).max(0)).sum::<i64>() < wanted {
        return None;
    }
    let seed = fnv1a(order_id.bytes().chain([b'#']).chain(product_id.bytes()));
    let hold = |shard: usize, quantity: u32| ShardHold {
        product_id: product_id.to_string(),
        shard: u8::try_from(shard).unwrap_or(u8::MAX),
        quantity,
    };
    let whole: Vec<usize> = (0..units.len()).filter(|k| units[*k] >= wanted).collect();
    if !whole.is_empty() {
        return Some(vec![hold(whole[(seed % whole.len() as u64) as usize], quantity)]);
    }
    let start = (seed % units.len() as u64) as usize;
    let mut left = wanted;
    let mut holds = Vec::new();
    for shard in (0..units.len()).map(|i| (start + i) % units.len()) {
        let taken = units[shard].max(0).min(left);
        if taken > 0 {
            holds.push(hold(shard, u32::try_from(taken).unwrap_or(u32::MAX)));
            left -= taken;
        }
    }
    Some(holds)
}

/// FNV-1a: a stable hash with no dependency, enough to spread orders over shards.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(holds: &[ShardHold]) -> Vec<(u8, u32)> {
        holds.iter().map(|h| (h.shard, h.quantity)).collect()
    }

    #[test]
    fn a_count_is_from_one_to_thirty_two_and_follows_the_stock_when_unnamed() {
        assert!(StockShards::parse(0).is_err() && StockShards::parse(33).is_err() && StockShards::parse(-1).is_err());
        assert_eq!(StockShards::parse(32).map(StockShards::count).ok(), Some(32));
        assert_eq!(StockShards::for_stock(0), StockShards::ONE);
        assert_eq!(StockShards::for_stock(199).count(), 1);
        assert_eq!(StockShards::for_stock(450).count(), 4);
        assert_eq!(StockShards::for_stock(1_000_000).count(), 8);
    }

    #[test]
    fn a_total_spreads_evenly_and_sums_back() {
        assert_eq!(spread(15, 4), vec![4, 4, 4, 3]);
        assert_eq!(spread(2, 4), vec![1, 1, 0, 0]);
        assert_eq!(spread(7, 1), vec![7]);
        assert!((0..200).all(|total| spread(total, 7).iter().sum::<i64>() == total));
    }

    #[test]
    fn a_hold_takes_one_shard_that_has_enough_and_spreads_buyers_over_them() {
        let units = [4, 4, 4, 3];
        let mut used = std::collections::HashSet::new();
        for i in 0..64 {
            let holds = take(&format!("order-{i}"), "cap", 2, &units).expect("held");
            assert_eq!(holds.len(), 1);
            assert!(units[usize::from(holds[0].shard)] >= 2);
            used.insert(holds[0].shard);
        }
        assert_eq!(used.len(), 4, "buyers spread over every shard");
        // Only shard 2 can serve 4 units at once.
        assert_eq!(taken(&take("o", "cap", 4, &[1, 0, 4, 3]).expect("held")), vec![(2, 4)]);
    }

    #[test]
    fn a_line_no_shard_can_serve_alone_is_split_and_refused_only_when_all_are_short() {
        for i in 0..16 {
            let holds = take(&format!("order-{i}"), "cap", 5, &[1, 0, 2, 3]).expect("the sum serves it");
            assert_eq!(holds.iter().map(|h| h.quantity).sum::<u32>(), 5);
            assert!(holds.iter().all(|h| h.quantity as i64 <= [1, 0, 2, 3][usize::from(h.shard)]));
        }
        assert_eq!(take("o", "cap", 6, &[1, 0, 2, 3]).map(|h| h.len()), Some(3));
        assert!(take("o", "cap", 7, &[1, 0, 2, 3]).is_none());
        assert!(take("o", "cap", 1, &[0, 0, -2]).is_none());
    }
}
