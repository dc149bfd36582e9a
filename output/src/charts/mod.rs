//! Charts for design reviews, drawn with plotters into both SVG and PNG.
//!
//! Every chart is a pure function of its inputs, and both images come from
//! one drawing routine ([`render`]) run twice, once per backend, so the SVG
//! and the PNG cannot disagree. Text is laid out with DejaVu Sans, bundled
//! under `output/assets/` (Bitstream Vera licence, beside the font): the PNG
//! has readable text on a machine without any system font, and label widths
//! are measured with the same metrics a browser will roughly use for the SVG.
//!
//! Colours follow [`colour`]: a topology keeps its colour (by its position in
//! the report) in every chart.
//!
//! - [`compare`]: the side-by-side charts of several scenarios' runs.
//! - [`exceedance`]: P(X > x) on a log axis, the tail a CDF hides.
//! - [`topology`]: the nested-box diagram of a scenario and its Graphviz DOT.
//! - [`timeline`]: the lanes of one replayed trial.
//! - [`sweep`]: each metric against a swept scenario parameter.

pub mod compare;
pub mod exceedance;
mod raster;
pub mod sweep;
pub mod timeline;
pub mod topology;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::sync::Once;

/// The bundled font's bytes (DejaVu Sans 2.37).
pub const FONT_TTF: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// The family name charts ask for; the SVG names it too, so a browser uses
/// its own sans-serif font with near-identical metrics.
pub const FONT: &str = "sans-serif";

/// One chart, rendered: a file stem (no extension), a caption, and the
/// image as SVG text and PNG bytes.
#[derive(Debug, Clone)]
pub struct Chart {
    pub stem: String,
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// A drawing failed (a plotters backend error), or the PNG could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing a chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

pub(crate) fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// A drawing routine, generic over the backend so one routine renders both
/// the SVG and the PNG.
pub trait Draw {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary; if
        // parsing ever failed, plotters would report missing glyphs as a
        // drawing error, which `render` surfaces.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_TTF);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, FONT_TTF);
    });
}

/// Renders `chart` at `size` (pixels) into SVG text and PNG bytes.
pub fn render(
    stem: &str,
    caption: &str,
    size: (u32, u32),
    chart: &impl Draw,
) -> Result<Chart, ChartError> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    let (w, h) = size;
    let mut rgb = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = raster::Png::new(&mut rgb, size)?.into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    // Names reach titles, legends and captions from user files: no raw
    // control character (ESC, BEL, CSI) may reach the written SVG, which
    // XML forbids anyway, or the caption, whatever a chart forgot to clean.
    let printable = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
            .collect()
    };
    Ok(Chart {
        stem: stem.to_string(),
        caption: printable(caption),
        svg: printable(&svg),
        png: encode_png(&rgb, size)?,
    })
}

/// Encodes 8-bit RGB pixels as PNG. No time stamp or other metadata is
/// written, so equal pixels give byte-equal files.
pub fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(rgb).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}

/// Colour-blind-safe colours (Okabe and Ito), in the order topologies are
/// listed; a report with more scenarios cycles.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(120, 120, 120), // grey
    RGBColor(0, 0, 0),       // black
];

/// The colour of the `i`-th scenario of a report, the same in every chart.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `#rrggbb` of [`colour`], for the HTML.
pub fn colour_hex(i: usize) -> String {
    let RGBColor(r, g, b) = colour(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub(crate) const TITLE_PX: u32 = 20;
pub(crate) const LABEL_PX: u32 = 15;
pub(crate) const TICK_PX: u32 = 13;

pub(crate) fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

/// Approximate rendered width of `text` at `px` in DejaVu Sans (its average
/// advance is ~0.6 em): used to size label areas so names never collide
/// with the axis or each other.
pub(crate) fn text_width(text: &str, px: u32) -> u32 {
    use ab_glyph::{Font, ScaleFont};
    match ab_glyph::FontRef::try_from_slice(FONT_TTF) {
        Ok(f) => {
            let f = f.as_scaled(px as f32);
            text.chars()
                .map(|c| f.h_advance(f.glyph_id(c)))
                .sum::<f32>()
                .ceil() as u32
        }
        Err(_) => (text.chars().count() as f64 * px as f64 * 0.66).ceil() as u32,
    }
}

/// Shortens `name` to at most `max` characters with an ellipsis, so a long
/// scenario name cannot push a chart out of its frame.
/// Control characters become `?` (the one rule, [`crate::text`]): XML 1.0
/// cannot carry most of them, so an SVG with one would not parse, and a
/// line feed has no place in one line of a chart either.
pub(crate) fn fit(name: &str, max: usize) -> String {
    let clean = name.chars().map(|c| if c.is_control() { '?' } else { c });
    if name.chars().count() <= max {
        clean.collect()
    } else {
        let mut s: String = clean.take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Draws the chart title centred on the top `TITLE_PX + 16` pixels and
/// returns the area below it.
pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, _) = area.dim_in_pixel();
    let style = font(TITLE_PX).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    area.draw(&Text::new(text.to_string(), (w as i32 / 2, 8), style))
        .map_err(err)?;
    let (_, rest) = area.split_vertically(TITLE_PX + 16);
    Ok(rest)
}

/// A row (wrapping to more rows as needed) of colour swatches and names:
/// the legend shared by all panels of a chart, drawn outside the plotting
/// areas so it never covers data. Returns the area below it.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    names: &[(String, RGBColor)],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, _) = area.dim_in_pixel();
    let row_h = LABEL_PX as i32 + 10;
    let (mut x, mut y) = (20i32, 4i32);
    for (name, c) in names {
        let name = fit(name, 40);
        let item_w = 22 + text_width(&name, LABEL_PX) as i32 + 24;
        if x + item_w > w as i32 - 10 && x > 20 {
            x = 20;
            y += row_h;
        }
        area.draw(&Rectangle::new(
            [(x, y + 3), (x + 14, y + 3 + 14)],
            c.filled(),
        ))
        .map_err(err)?;
        area.draw(&Text::new(name.clone(), (x + 20, y + 2), font(LABEL_PX)))
            .map_err(err)?;
        x += item_w;
    }
    let (_, rest) = area.split_vertically(y + row_h + 4);
    Ok(rest)
}

/// Formats an axis value without trailing noise and with thousands
/// separators (`1,200`, `2.5`, `0.01`, `8M`).
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if a >= 1e9 {
        format!("{}G", trim(format!("{:.1}", v / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.1}", v / 1e6)))
    } else if a >= 1000.0 {
        let s = crate::units::thousands(a.round() as u64);
        if v < 0.0 {
            format!("-{s}")
        } else {
            s
        }
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim(format!("{v:.1}"))
    } else if a >= 0.01 {
        trim(format!("{v:.2}"))
    } else {
        format!("{v:.0e}")
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A linear `f64` axis whose ticks sit exactly at the given points (the
/// positions of categories, or of swept values), so a label formatter can
/// name them. plotters' own `with_key_points` does not take a formatter.
#[derive(Clone)]
pub(crate) struct Keyed {
    range: std::ops::Range<f64>,
    keys: Vec<f64>,
}

impl Keyed {
    pub(crate) fn new(range: std::ops::Range<f64>, keys: Vec<f64>) -> Keyed {
        Keyed { range, keys }
    }
}

impl plotters::coord::ranged1d::Ranged for Keyed {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let f = if span > 0.0 {
            (v - self.range.start) / span
        } else {
            0.0
        };
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.keys.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// One row of a horizontal bar panel.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub name: String,
    pub colour: RGBColor,
    pub value: f64,
    /// An interval drawn as a whisker (e.g. a 95% confidence interval).
    pub interval: Option<(f64, f64)>,
    /// A second value drawn as a black tick (e.g. the p99 next to a mean bar).
    pub marker: Option<f64>,
    /// Text written right of the bar.
    pub note: String,
}

/// The x extent of a bar panel: the largest value, whisker or tick, with
/// room on the right for the notes written after the bars (the widest
/// note's share of the plot width `plot_w`, so no note runs off the panel).
fn bar_x_max(bars: &[Bar], plot_w: f64) -> f64 {
    let max = bars
        .iter()
        .flat_map(|b| {
            [
                b.value,
                b.interval.map_or(0.0, |i| i.1),
                b.marker.unwrap_or(0.0),
            ]
        })
        .fold(0.0f64, f64::max);
    let note_w = bars
        .iter()
        .map(|b| text_width(&b.note, TICK_PX))
        .max()
        .unwrap_or(0) as f64
        + 16.0;
    let note_share = (note_w / plot_w).min(0.7);
    // With every value zero, whole-number ticks read better than 0.2 records.
    if max > 0.0 {
        max / (1.0 - note_share)
    } else {
        10.0
    }
}

/// A horizontal bar panel: one row per topology, names on the left axis,
/// values with units on the bottom axis.
pub(crate) fn bar_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    bars: &[Bar],
) -> Result<(), ChartError> {
    let n = bars.len().max(1);
    let names: Vec<String> = bars.iter().map(|b| fit(&b.name, 40)).collect();
    let label_w = names
        .iter()
        .map(|s| text_width(s, TICK_PX))
        .max()
        .unwrap_or(0)
        + 22;
    let (w, _) = area.dim_in_pixel();
    let plot_w = (w as f64 - label_w as f64 - 40.0).max(50.0);
    let x_max = bar_x_max(bars, plot_w);
    let key_points: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font(LABEL_PX + 1))
        .margin(10)
        .margin_right(20)
        .x_label_area_size(LABEL_PX * 3)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0.0..x_max, Keyed::new(-0.6..(n as f64 - 0.4), key_points))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(2)
        .x_desc(x_label)
        .x_labels(6)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&move |v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                names.get(n - 1 - i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(font(TICK_PX))
        .axis_desc_style(font(LABEL_PX))
        .draw()
        .map_err(err)?;
    for (i, b) in bars.iter().enumerate() {
        // The first row at the top, as in the legend and the HTML table.
        let y = (n - 1 - i) as f64;
        draw_bar(&mut chart, b, y, x_max * 8.0 / plot_w)?;
    }
    Ok(())
}

/// One bar at row `y`: the bar, its whisker and tick if any, and its note
/// `gap` (8 pixels, in data units) right of whatever reaches furthest.
fn draw_bar<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Keyed>>,
    b: &Bar,
    y: f64,
    gap: f64,
) -> Result<(), ChartError> {
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.3), (b.value, y + 0.3)],
            b.colour.mix(0.85).filled(),
        )))
        .map_err(err)?;
    let mut right = b.value;
    if let Some((lo, hi)) = b.interval {
        right = right.max(hi);
        chart
            .draw_series([
                PathElement::new(vec![(lo, y), (hi, y)], BLACK.stroke_width(2)),
                PathElement::new(vec![(lo, y - 0.2), (lo, y + 0.2)], BLACK.stroke_width(2)),
                PathElement::new(vec![(hi, y - 0.2), (hi, y + 0.2)], BLACK.stroke_width(2)),
            ])
            .map_err(err)?;
    }
    if let Some(m) = b.marker {
        right = right.max(m);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(m, y - 0.38), (m, y + 0.38)],
                BLACK.stroke_width(3),
            )))
            .map_err(err)?;
    }
    if !b.note.is_empty() {
        // Offset in pixels from the bar's end, not in data units.
        let style = font(TICK_PX).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        chart
            .draw_series(std::iter::once(Text::new(
                b.note.clone(),
                (right + gap, y),
                style,
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// One distribution for a CDF panel: its colour (the chart's legend names
/// it) and values in the axis unit (any order).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// Empirical CDFs of several series on one panel: the fraction of trials
/// at or below each value. The x axis is logarithmic when the positive
/// values span two decades or more (a 12 s and a 1,200 s outage both stay
/// readable); zeros then show as the curve's height at the left edge.
pub(crate) fn cdf_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    series: &[Series],
) -> Result<(), ChartError> {
    let positive = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| *v > 0.0);
    let (min_pos, max) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let curves: Vec<(&Series, Vec<(f64, f64)>)> =
        series.iter().map(|s| (s, steps(&s.values))).collect();
    if max <= 0.0 {
        // Every value is zero: a flat line at 1 says it, and a note says why.
        return cdf_on(
            area,
            caption,
            x_label,
            0.0..10.0,
            &curves,
            Some("no trial of any topology lost any: every curve is at 1 from x = 0"),
        );
    }
    if max / min_pos >= 100.0 {
        let lo = min_pos / 1.5;
        let range = (lo..max * 1.5).log_scale();
        let clamped: Vec<(&Series, Vec<(f64, f64)>)> = curves
            .iter()
            .map(|(s, pts)| (*s, pts.iter().map(|&(x, y)| (x.max(lo), y)).collect()))
            .collect();
        cdf_on(area, caption, x_label, range, &clamped, None)
    } else {
        cdf_on(area, caption, x_label, 0.0..max * 1.05, &curves, None)
    }
}

/// The step function of an empirical CDF: `(x, F(x))` corners, starting at
/// `(0, F(0))`... and ending at `(max, 1)`.
fn steps(values: &[f64]) -> Vec<(f64, f64)> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let mut pts = Vec::new();
    if v.is_empty() {
        return pts;
    }
    let mut below = 0usize;
    let mut i = 0;
    while i < v.len() {
        let x = v[i];
        let mut j = i;
        while j < v.len() && v[j] == x {
            j += 1;
        }
        pts.push((x, below as f64 / n));
        below = j;
        pts.push((x, below as f64 / n));
        i = j;
    }
    pts
}

/// The CDF `curves` on one panel over the x axis `x`, each curve carried
/// from the left edge to 1 at the right edge, and `note` over it if any.
fn cdf_on<DB: DrawingBackend, X>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    x: X,
    curves: &[(&Series, Vec<(f64, f64)>)],
    note: Option<&str>,
) -> Result<(), ChartError>
where
    X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font(LABEL_PX + 1))
        .margin(10)
        .margin_right(25)
        .x_label_area_size(LABEL_PX * 3)
        .y_label_area_size(TICK_PX * 5)
        .build_cartesian_2d(x, 0.0..1.02)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("fraction of trials ≤ x")
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(font(TICK_PX))
        .axis_desc_style(font(LABEL_PX))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    let (x_lo, x_hi) = {
        let r = chart.x_range();
        (r.start, r.end)
    };
    let n = curves.len();
    for (i, (s, pts)) in curves.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        // Earlier series are drawn wider, so a curve that coincides with a
        // later one still shows as a coloured edge around it.
        let width = 2 + (n - 1 - i).min(3) as u32;
        let mut line = vec![(x_lo, pts[0].1)];
        line.extend(pts.iter().copied());
        line.push((x_hi, 1.0));
        chart
            .draw_series(LineSeries::new(line, s.colour.stroke_width(width)))
            .map_err(err)?;
    }
    if let Some(note) = note {
        draw_note(area, note)?;
    }
    Ok(())
}

/// `note` in a framed white box at the centre of `area`, over the plot, for
/// a panel whose curves alone would not say what happened.
fn draw_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &str,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let style = font(LABEL_PX).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    let (cx, cy) = (w as i32 / 2, h as i32 / 2);
    let tw = text_width(note, LABEL_PX) as i32;
    area.draw(&Rectangle::new(
        [(cx - tw / 2 - 10, cy - 16), (cx + tw / 2 + 10, cy + 16)],
        ShapeStyle::from(&WHITE).filled(),
    ))
    .map_err(err)?;
    area.draw(&Rectangle::new(
        [(cx - tw / 2 - 10, cy - 16), (cx + tw / 2 + 10, cy + 16)],
        RGBColor(150, 150, 150).stroke_width(1),
    ))
    .map_err(err)?;
    area.draw(&Text::new(note.to_string(), (cx, cy), style))
        .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_steps_count_ties_once() {
        let pts = steps(&[0.0, 0.0, 5.0, 1.0]);
        assert_eq!(
            pts,
            vec![
                (0.0, 0.0),
                (0.0, 0.5),
                (1.0, 0.5),
                (1.0, 0.75),
                (5.0, 0.75),
                (5.0, 1.0)
            ]
        );
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(12.0), "12");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(1200.0), "1,200");
        assert_eq!(tick(60_000.0), "60,000");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(8e6), "8M");
        assert_eq!(tick(2.5e9), "2.5G");
    }

    #[test]
    fn long_names_are_shortened_with_an_ellipsis() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a-very-long-name", 6), "a-ver…");
        assert_eq!(fit("tab\there\u{1}", 20), "tab?here?");
    }

    #[test]
    fn png_encoding_is_deterministic() {
        let px = vec![255u8; 4 * 3 * 3];
        assert_eq!(
            encode_png(&px, (4, 3)).unwrap(),
            encode_png(&px, (4, 3)).unwrap()
        );
    }
}
