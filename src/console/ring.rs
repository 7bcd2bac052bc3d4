//! Walking a ring: the next or previous of a few things, wrapping round. The
//! filter bar's and the form's fields, the pickers' values and the help's
//! pages all step this way.

/// The place after (or before) `at` among `len` places, wrapping round.
pub fn step(at: usize, len: usize, forward: bool) -> usize {
    let len = len.max(1);
    if forward {
        (at + 1) % len
    } else {
        (at + len - 1) % len
    }
}

/// The value after (or before) `now` in `all`; a value not there (a form
/// picker with nothing loaded) starts from the first either way.
pub fn next<T: Copy + PartialEq>(all: &[T], now: Option<T>, forward: bool) -> Option<T> {
    match now.and_then(|v| all.iter().position(|x| *x == v)) {
        Some(at) => all.get(step(at, all.len(), forward)).copied(),
        None => all.first().copied(),
    }
}

/// The next (or previous) item after `now` that `usable` accepts, wrapping
/// round to `now` itself; `None` when no item is usable. Fields that are
/// greyed or locked are stepped over this way.
pub fn next_usable<T: Copy + PartialEq>(
    all: &[T],
    now: T,
    forward: bool,
    usable: impl Fn(T) -> bool,
) -> Option<T> {
    let n = all.len();
    let mut at = all.iter().position(|x| *x == now).unwrap_or(0);
    for _ in 0..n {
        at = step(at, n, forward);
        if usable(all[at]) {
            return Some(all[at]);
        }
    }
    None
}

/// any → first → ... → last → any, or backwards: a filter that may be unset.
pub fn next_or_any<T: Copy + PartialEq>(all: &[T], now: Option<T>, forward: bool) -> Option<T> {
    let mut ring: Vec<Option<T>> = vec![None];
    ring.extend(all.iter().copied().map(Some));
    let at = ring.iter().position(|v| *v == now).unwrap_or(0);
    ring[step(at, ring.len(), forward)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_wrap_round() {
        assert_eq!(step(2, 3, true), 0);
        assert_eq!(step(0, 3, false), 2);
        assert_eq!(step(0, 0, true), 0);
    }

    #[test]
    fn next_or_any_goes_through_any() {
        let all = [1, 2, 3];
        assert_eq!(next_or_any(&all, None, true), Some(1));
        assert_eq!(next_or_any(&all, Some(3), true), None);
        assert_eq!(next_or_any(&all, None, false), Some(3));
    }

    #[test]
    fn next_usable_steps_over_the_unusable() {
        let all = [1, 2, 3, 4];
        assert_eq!(next_usable(&all, 1, true, |x| x != 2), Some(3));
        assert_eq!(next_usable(&all, 1, false, |x| x != 4), Some(3));
        assert_eq!(next_usable(&all, 1, true, |x| x == 1), Some(1));
        assert_eq!(next_usable(&all, 1, true, |_| false), None);
    }

    #[test]
    fn next_starts_from_an_end() {
        let all = [1, 2, 3];
        assert_eq!(next(&all, None, true), Some(1));
        assert_eq!(next(&all, None, false), Some(1));
        assert_eq!(next(&all, Some(3), true), Some(1));
    }
}
