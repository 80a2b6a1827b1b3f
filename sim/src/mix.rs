//! Who the buyers are: the mix of behaviours, spread evenly over the queue so that the
//! buyers who reach the stock first are as mixed as the crowd.
use std::fmt;
use std::str::FromStr;

/// How a buyer behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Persona {
    /// Pays by card (Visa), succeeds.
    Card,
    /// Pays with the declined test card, then once more with a Mastercard that succeeds.
    Declined,
    /// Checks out and never pays: the hold lasts until the payment session expires.
    Abandon,
    /// Pays with CRINA-PAY, succeeds.
    Crina,
    /// Pays with a CRINA-PAY number ending in 0002, declined, and gives up.
    CrinaDeclined,
    /// Applies the promo code (few uses) first, then pays by card.
    Promo,
    /// Asks for one unit over the sale limit first (refused), then takes the limit.
    Greedy,
}

impl Persona {
    pub const ALL: [Self; 7] =
        [Self::Card, Self::Declined, Self::Abandon, Self::Crina, Self::CrinaDeclined, Self::Promo, Self::Greedy];

    pub fn name(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Declined => "declined",
            Self::Abandon => "abandon",
            Self::Crina => "crina",
            Self::CrinaDeclined => "crina-declined",
            Self::Promo => "promo",
            Self::Greedy => "greedy",
        }
    }
}

/// Weights of each persona, e.g. `card=50,declined=10,abandon=10,crina=10,crina-declined=5,promo=10,greedy=5`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mix(Vec<(Persona, u32)>);

pub const DEFAULT_MIX: &str = "card=50,declined=10,abandon=10,crina=10,crina-declined=5,promo=10,greedy=5";

impl Default for Mix {
    fn default() -> Self {
        DEFAULT_MIX.parse().unwrap_or(Self(vec![(Persona::Card, 1)]))
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut weights = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once('=').ok_or_else(|| format!("{part}: expected name=weight"))?;
            let persona = Persona::ALL.into_iter().find(|p| p.name() == name.trim()).ok_or_else(|| {
                let names: Vec<&str> = Persona::ALL.iter().map(|p| p.name()).collect();
                format!("unknown persona {name} (known: {})", names.join(", "))
            })?;
            let weight: u32 = weight.trim().parse().map_err(|_| format!("{part}: the weight is not a whole number"))?;
            if weights.iter().any(|(p, _)| *p == persona) {
                return Err(format!("{name} is given twice"));
            }
            weights.push((persona, weight));
        }
        if weights.iter().all(|(_, w)| *w == 0) {
            return Err("the mix needs at least one persona with a weight above 0".into());
        }
        Ok(Self(weights))
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(p, w)| format!("{}={w}", p.name())).collect();
        f.write_str(&parts.join(","))
    }
}

impl Mix {
    /// The persona of each of `buyers`, in queue order: smooth weighted round-robin, so
    /// every stretch of the queue holds each persona in its share and the run repeats.
    pub fn assign(&self, buyers: usize) -> Vec<Persona> {
        let total: i64 = self.0.iter().map(|(_, w)| i64::from(*w)).sum();
        let mut current = vec![0i64; self.0.len()];
        (0..buyers)
            .map(|_| {
                for (credit, (_, weight)) in current.iter_mut().zip(&self.0) {
                    *credit += i64::from(*weight);
                }
                let (chosen, _) =
                    current.iter().enumerate().max_by_key(|(i, credit)| (**credit, -(*i as i64))).unwrap_or((0, &0));
                current[chosen] -= total;
                self.0[chosen].0
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mix_gives_each_persona_its_share_in_every_hundred_buyers() {
        let personas = Mix::default().assign(1000);
        for hundred in personas.chunks(100) {
            let count = |p: Persona| hundred.iter().filter(|q| **q == p).count();
            assert_eq!(
                [Persona::Card, Persona::Declined, Persona::Abandon, Persona::Crina, Persona::CrinaDeclined].map(count),
                [50, 10, 10, 10, 5]
            );
            assert_eq!((count(Persona::Promo), count(Persona::Greedy)), (10, 5));
        }
        // The first buyers, who meet the stock, are already mixed.
        let first: std::collections::HashSet<_> = personas[..20].iter().collect();
        assert_eq!(first.len(), 7, "{:?}", &personas[..20]);
    }

    #[test]
    fn a_mix_reads_and_writes_name_weight_pairs_and_refuses_what_it_does_not_know() {
        let mix: Mix = "card=3, abandon=1".parse().expect("a mix");
        assert_eq!(mix.to_string(), "card=3,abandon=1");
        assert_eq!(mix.assign(4).iter().filter(|p| **p == Persona::Abandon).count(), 1);
        let unknown = "card=1,robot=2".parse::<Mix>().expect_err("robot is no persona");
        assert!(unknown.contains("unknown persona robot"), "{unknown}");
        assert!("card=0".parse::<Mix>().is_err());
        assert!("card".parse::<Mix>().is_err());
        assert!("card=1,card=2".parse::<Mix>().is_err());
    }
}
