//! Guarding paginated listings: an API that returns a marker (`Marker`, `NextToken`) it had
//! already returned would make a listing loop forever, so every listing remembers its markers
//! and stops at the first repeat, with a recorded error.
//!
//! The SDK's own paginators are no help here: they stop (silently) only when a marker equals
//! the one just sent (A→A), not on a cycle (A→B→A), and the fetcher does not use them.

use std::collections::HashSet;

/// The most pages one listing follows. Far above any real account (GetAccountAuthorizationDetails
/// of IAM's largest quotas is a few hundred pages), low enough that a listing that never ends
/// stops in bounded time.
pub(crate) const MAX_PAGES: usize = 10_000;

/// Why a listing stopped before the API said it was complete. The pages before it are the
/// caller's to keep or drop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Stop {
    /// A marker came back that an earlier page of the same listing had returned.
    #[error(
        "the API returned a pagination marker it had already returned (on page {page}): the listing stops there and is incomplete; fetch again later"
    )]
    Repeated { page: usize },
    /// A page said it was truncated but gave no marker to continue with.
    #[error(
        "a truncated page came without a new marker (page {page}): the listing is incomplete; fetch again later"
    )]
    NoMarker { page: usize },
    /// The listing went on for more than [`MAX_PAGES`] pages.
    #[error("the listing did not end after {MAX_PAGES} pages: it stops there and is incomplete")]
    TooMany,
}

/// The markers one listing has seen.
#[derive(Debug, Default)]
pub(crate) struct Markers {
    seen: HashSet<String>,
    pages: usize,
}

impl Markers {
    /// After a page that said `truncated` and gave `marker`: the marker of the next page
    /// (`Ok(Some)`), the end of the listing (`Ok(None)`) or why the listing must stop (`Err`).
    ///
    /// An empty marker is no marker (the SDK's paginators treat it as the end as well).
    pub(crate) fn next(
        &mut self,
        truncated: bool,
        marker: Option<&str>,
    ) -> Result<Option<String>, Stop> {
        self.pages += 1;
        if !truncated {
            return Ok(None);
        }
        let Some(marker) = marker.filter(|m| !m.is_empty()) else {
            return Err(Stop::NoMarker { page: self.pages });
        };
        if self.pages >= MAX_PAGES {
            return Err(Stop::TooMany);
        }
        // INVARIANT: `seen` holds every marker this listing asked for, so a repeat is caught
        // however long the cycle.
        if !self.seen.insert(marker.to_owned()) {
            return Err(Stop::Repeated { page: self.pages });
        }
        Ok(Some(marker.to_owned()))
    }

    /// For NextToken-style listings (Organizations): a token means "there is more".
    pub(crate) fn next_token(&mut self, token: Option<&str>) -> Result<Option<String>, Stop> {
        let token = token.filter(|t| !t.is_empty());
        self.next(token.is_some(), token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_markers_are_followed_and_the_end_ends() {
        let mut m = Markers::default();
        assert_eq!(m.next(true, Some("a")), Ok(Some("a".into())));
        assert_eq!(m.next(true, Some("b")), Ok(Some("b".into())));
        assert_eq!(m.next(false, Some("b")), Ok(None), "not truncated: done");
    }

    #[test]
    fn a_marker_returned_twice_in_a_row_stops() {
        let mut m = Markers::default();
        assert_eq!(m.next(true, Some("a")), Ok(Some("a".into())));
        assert_eq!(m.next(true, Some("a")), Err(Stop::Repeated { page: 2 }));
    }

    #[test]
    fn a_marker_cycle_stops_at_the_first_repeat() {
        let mut m = Markers::default();
        assert_eq!(m.next(true, Some("a")), Ok(Some("a".into())));
        assert_eq!(m.next(true, Some("b")), Ok(Some("b".into())));
        assert_eq!(m.next(true, Some("a")), Err(Stop::Repeated { page: 3 }));
        let message = Stop::Repeated { page: 3 }.to_string();
        assert!(
            message.starts_with("the API returned a pagination marker it had already returned"),
            "{message}"
        );
    }

    #[test]
    fn a_truncated_page_without_a_marker_stops() {
        let mut m = Markers::default();
        assert_eq!(m.next(true, None), Err(Stop::NoMarker { page: 1 }));
        let mut m = Markers::default();
        assert_eq!(m.next(true, Some("")), Err(Stop::NoMarker { page: 1 }));
    }

    #[test]
    fn a_listing_that_never_ends_stops_after_max_pages() {
        let mut m = Markers::default();
        let mut followed = 0;
        let stop = loop {
            match m.next(true, Some(&followed.to_string())) {
                Ok(_) => followed += 1,
                Err(stop) => break stop,
            }
        };
        assert_eq!(stop, Stop::TooMany);
        assert_eq!(followed, MAX_PAGES - 1);
    }

    #[test]
    fn next_tokens_end_when_absent_or_empty() {
        let mut m = Markers::default();
        assert_eq!(m.next_token(Some("t")), Ok(Some("t".into())));
        assert_eq!(m.next_token(Some("t")), Err(Stop::Repeated { page: 2 }));
        assert_eq!(Markers::default().next_token(None), Ok(None));
        assert_eq!(Markers::default().next_token(Some("")), Ok(None));
    }
}
