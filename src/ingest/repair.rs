//! Repairing what extraction broke in a row of table 三: digits glued together by crawlers
//! (`123000015` for 12|3|0|0|0|0|15) or a number split in two (`1 2` for 12).
//!
//! A candidate reading keeps the document's digits in their order and only decides where one
//! number ends and the next begins. The row's own identity — the 总计 column is the sum of
//! the six applicant columns — judges the candidates: exactly one satisfying reading is used
//! (and recorded as repaired); several are ambiguous and nothing is stored. What the report
//! itself printed inconsistently is never "repaired": a row of seven printed numbers is taken
//! as printed, whatever its sums.

/// The readings of `tokens` as the seven cells of a table 三 row whose seventh cell is the
/// sum of the first six. Tokens must be digit strings.
pub fn row_readings(tokens: &[&str]) -> Vec<[u64; 7]> {
    let digits: String = tokens.concat();
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.len() < 7
        || digits.len() > 40
    {
        return Vec::new();
    }
    let bytes = digits.as_bytes();
    let mut out = Vec::new();
    let mut cuts = [0usize; 8];
    cuts[7] = bytes.len();
    choose(bytes, 1, &mut cuts, &mut out);
    out
}

/// Places cut `k` (1..=6) after cut k−1, then checks the reading.
fn choose(bytes: &[u8], k: usize, cuts: &mut [usize; 8], out: &mut Vec<[u64; 7]>) {
    if k == 7 {
        let mut cells = [0u64; 7];
        for i in 0..7 {
            let part = &bytes[cuts[i]..cuts[i + 1]];
            // No number is printed with a leading zero; a part of more than 12 digits is no count.
            if part.is_empty() || part.len() > 12 || (part.len() > 1 && part[0] == b'0') {
                return;
            }
            cells[i] = part.iter().fold(0u64, |a, d| a * 10 + u64::from(d - b'0'));
        }
        if cells[..6].iter().sum::<u64>() == cells[6] {
            out.push(cells);
        }
        return;
    }
    let remaining = 7 - k;
    for at in cuts[k - 1] + 1..=bytes.len() - remaining {
        cuts[k] = at;
        choose(bytes, k + 1, cuts, out);
    }
}

/// The one reading of a broken run, if exactly one satisfies the row identity.
pub fn repair_row(tokens: &[&str]) -> Result<[u64; 7], usize> {
    let readings = row_readings(tokens);
    match readings.as_slice() {
        [one] => Ok(*one),
        many => Err(many.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_digits_split_where_the_sum_says() {
        assert_eq!(repair_row(&["123000015"]), Ok([12, 3, 0, 0, 0, 0, 15]));
        // Several readings satisfy the identity: ambiguous.
        assert!(repair_row(&["1100002"]).is_ok_and(|r| r == [1, 1, 0, 0, 0, 0, 2]));
        assert_eq!(repair_row(&["2100003"]), Ok([2, 1, 0, 0, 0, 0, 3]));
        assert!(repair_row(&["11000011"]).is_err());
    }

    #[test]
    fn a_number_split_in_two_joins() {
        assert_eq!(
            repair_row(&["3", "0", "0", "0", "0", "0", "0", "3", "0"]),
            Ok([30, 0, 0, 0, 0, 0, 30])
        );
    }

    #[test]
    fn too_few_digits_have_no_reading() {
        assert!(row_readings(&["3119"]).is_empty());
    }

    /// A small deterministic generator, so the property runs the same everywhere.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    #[test]
    fn property_a_repair_is_the_printed_row_or_nothing() {
        let mut rng = Lcg(20240101);
        let (mut repaired, mut ambiguous) = (0, 0);
        for _ in 0..2000 {
            let mut row = [0u64; 7];
            for cell in row.iter_mut().take(6) {
                *cell = match rng.next() % 4 {
                    0 => 0,
                    1 => rng.next() % 10,
                    2 => rng.next() % 100,
                    _ => rng.next() % 1000,
                };
            }
            row[6] = row[..6].iter().sum();
            let text: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            // Glue some neighbours together, as a crawler does.
            let mut tokens: Vec<String> = Vec::new();
            for t in text {
                match tokens.last_mut() {
                    Some(last) if rng.next().is_multiple_of(2) => last.push_str(&t),
                    _ => tokens.push(t),
                }
            }
            let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
            let readings = row_readings(&refs);
            // The printed row is always among the readings…
            assert!(readings.contains(&row), "{tokens:?} lost {row:?}");
            // …and a repair returns it or nothing: an ambiguous reading is never used.
            match repair_row(&refs) {
                Ok(r) => {
                    assert_eq!(r, row, "{tokens:?}");
                    repaired += 1;
                }
                Err(n) => {
                    assert!(n > 1);
                    ambiguous += 1;
                }
            }
        }
        assert!(
            repaired > 0 && ambiguous > 0,
            "{repaired} repaired, {ambiguous} ambiguous"
        );
    }
}
