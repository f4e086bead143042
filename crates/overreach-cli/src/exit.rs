//! The process exit codes: one table (README "Exit codes"), one function.

/// What a run ended with, in order of precedence (a higher variant wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`, all data read.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// Some data could not be fetched or read (APIs failed or were denied): the result is partial.
    Partial,
    /// The command could not run: bad usage, unreadable or invalid input, a configuration error.
    Error,
}

impl Outcome {
    /// The exit code of this outcome. INVARIANT: these numbers are an API; never renumber.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Error => 2,
            Outcome::Partial => 3,
        }
    }

    /// Combines two outcomes of one run: the one with the higher precedence wins
    /// (error > partial > findings > clean).
    pub fn combine(self, other: Outcome) -> Outcome {
        self.max(other)
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome::*;

    #[test]
    fn precedence() {
        assert_eq!(Findings.combine(Partial), Partial);
        assert_eq!(Partial.combine(Error), Error);
        assert_eq!(Clean.combine(Findings), Findings);
        assert_eq!(
            [Clean, Findings, Partial, Error].map(|o| o.code()),
            [0, 1, 3, 2]
        );
    }
}
