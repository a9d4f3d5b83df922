//! A node's metrics as a test reads them: summed from the Prometheus text `/metrics` serves.

/// Sums the samples of `name` whose labels include every pair in `labels`, from Prometheus
/// text. A metric never recorded sums to 0.
pub fn metric_sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, label_text) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let all = labels
                .iter()
                .all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")));
            all.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

#[test]
fn metric_lines_are_summed_by_label() {
    let text = "# TYPE x counter\nx{op=\"a\",t=\"1\"} 2\nx{op=\"b\"} 3\nxy 9\nx 1\n";
    assert_eq!(metric_sum(text, "x", &[]), 6.0);
    assert_eq!(metric_sum(text, "x", &[("op", "a")]), 2.0);
    assert_eq!(metric_sum(text, "x", &[("op", "c")]), 0.0);
}
