//! The picture of an agent's reach: a small layered drawing, laid out and written here.
//!
//! Layers run left to right (longest path from the agent, back edges of cycles ignored), nodes
//! in a layer are ordered by the barycenter of their neighbours, edges are cubic curves. Every
//! text is escaped; styling comes from `style.css` through classes (no inline styles, which the
//! site's Content-Security-Policy forbids).

use super::facts::Reach;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    // Control characters are not allowed in XML text: they become spaces.
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    super::escape_html(&clean)
}

struct Node {
    id: String,
    label: String,
    sub: String,
    class: String,
    title: String,
    layer: usize,
    order: f64,
    x: f64,
    y: f64,
    w: f64,
}

const CHAR_W: f64 = 7.4;
const NODE_H: f64 = 40.0;
const ROW_GAP: f64 = 16.0;
const COL_GAP: f64 = 70.0;
const PAD: f64 = 12.0;

/// Draws an agent's reach as inline SVG. `classes`: classification names, weakest first.
pub fn reach_svg(agent: &str, reach: &Reach, classes: &[String]) -> String {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut add = |nodes: &mut Vec<Node>,
                   id: String,
                   label: String,
                   sub: String,
                   class: String,
                   title: String| {
        index.insert(id.clone(), nodes.len());
        nodes.push(Node {
            id,
            label,
            sub,
            class,
            title,
            layer: 0,
            order: 0.0,
            x: 0.0,
            y: 0.0,
            w: 0.0,
        });
    };
    add(
        &mut nodes,
        format!("agent:{agent}"),
        agent.to_string(),
        "this agent".into(),
        "n-agent n-root".into(),
        format!("agent {agent}"),
    );
    for (d, path) in &reach.delegates {
        add(
            &mut nodes,
            format!("agent:{d}"),
            d.clone(),
            "delegate".into(),
            "n-agent".into(),
            format!("agent {d}, reached by delegation: {}", path.join(" → ")),
        );
    }
    let top = classes.len().saturating_sub(1);
    for r in &reach.resources {
        // Colour by sensitivity relative to the policy's scale: the top two classes are hot.
        let level = if r.class_rank + 1 >= top && top >= 2 {
            if r.class_rank >= top {
                "c-top"
            } else {
                "c-high"
            }
        } else if r.class_rank * 2 >= top && top > 0 {
            "c-mid"
        } else {
            "c-low"
        };
        let how = match r.via {
            "direct" => "granted directly".to_string(),
            "delegation" => format!("through {}", r.path.join(" → ")),
            _ => format!("synced: {}", r.path.join(" → ")),
        };
        let ops = if r.operations.is_empty() {
            String::new()
        } else {
            format!("; operations: {}", r.operations.join(", "))
        };
        add(
            &mut nodes,
            format!("resource:{}", r.resource),
            r.resource.clone(),
            format!("{} · {}", r.classification, r.via),
            format!("n-resource {level} v-{}", r.via),
            format!(
                "{} ({}), {}, {how}{ops}",
                r.resource, r.system, r.classification
            ),
        );
    }
    let edges: Vec<(usize, usize, &str)> = reach
        .edges
        .iter()
        .filter_map(|(a, b, k)| Some((*index.get(a)?, *index.get(b)?, *k)))
        .collect();

    // Cycle breaking: DFS from the root in node order; edges to nodes on the stack are back edges.
    let n = nodes.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, (a, b, _)) in edges.iter().enumerate() {
        let _ = i;
        succ[*a].push(*b);
    }
    for s in succ.iter_mut() {
        s.sort();
        s.dedup();
    }
    let mut state = vec![0u8; n];
    let mut back: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut topo = Vec::new();
    fn dfs(
        u: usize,
        succ: &[Vec<usize>],
        state: &mut [u8],
        back: &mut BTreeSet<(usize, usize)>,
        topo: &mut Vec<usize>,
    ) {
        state[u] = 1;
        for &v in &succ[u] {
            match state[v] {
                0 => dfs(v, succ, state, back, topo),
                1 => {
                    back.insert((u, v));
                }
                _ => {}
            }
        }
        state[u] = 2;
        topo.push(u);
    }
    for u in 0..n {
        if state[u] == 0 {
            dfs(u, &succ, &mut state, &mut back, &mut topo);
        }
    }
    topo.reverse();
    let mut layer = vec![0usize; n];
    for &u in &topo {
        for &v in &succ[u] {
            if !back.contains(&(u, v)) && u != v {
                layer[v] = layer[v].max(layer[u] + 1);
            }
        }
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        node.layer = layer[i];
        node.w = (node.label.chars().count().max(node.sub.chars().count()) as f64 * CHAR_W
            + 2.0 * PAD)
            .ceil();
    }
    let layers = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (i, node) in nodes.iter().enumerate() {
        cols[node.layer].push(i);
    }
    // Initial order: agents first, then by name (node insertion order already does that).
    for col in &mut cols {
        for (k, &i) in col.iter().enumerate() {
            nodes[i].order = k as f64;
        }
    }
    let pred: Vec<Vec<usize>> = {
        let mut p = vec![Vec::new(); n];
        for (a, b, _) in &edges {
            p[*b].push(*a);
        }
        p
    };
    for sweep in 0..6 {
        let downward = sweep % 2 == 0;
        let range: Vec<usize> = if downward {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in range {
            let mut keyed: Vec<(f64, f64, usize)> = cols[l]
                .iter()
                .map(|&i| {
                    let nb: Vec<f64> = if downward { &pred[i] } else { &succ[i] }
                        .iter()
                        .filter(|&&j| nodes[j].layer != l)
                        .map(|&j| nodes[j].order)
                        .collect();
                    let bary = if nb.is_empty() {
                        nodes[i].order
                    } else {
                        nb.iter().sum::<f64>() / nb.len() as f64
                    };
                    (bary, nodes[i].order, i)
                })
                .collect();
            keyed.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.cmp(&b.2))
            });
            cols[l] = keyed.iter().map(|k| k.2).collect();
            for (k, &i) in cols[l].iter().enumerate() {
                nodes[i].order = k as f64;
            }
        }
    }
    // Coordinates.
    let max_rows = cols.iter().map(Vec::len).max().unwrap_or(1);
    let height = max_rows as f64 * (NODE_H + ROW_GAP) - ROW_GAP + 2.0 * PAD + 26.0;
    let mut x = PAD;
    for col in &cols {
        let w = col.iter().map(|&i| nodes[i].w).fold(0.0, f64::max);
        let col_h = col.len() as f64 * (NODE_H + ROW_GAP) - ROW_GAP;
        let y0 = PAD + 26.0 + ((max_rows as f64 * (NODE_H + ROW_GAP) - ROW_GAP) - col_h) / 2.0;
        for (k, &i) in col.iter().enumerate() {
            nodes[i].x = x + (w - nodes[i].w) / 2.0;
            nodes[i].y = y0 + k as f64 * (NODE_H + ROW_GAP);
        }
        x += w + COL_GAP;
    }
    let width = (x - COL_GAP + PAD).max(320.0);

    let mut s = String::new();
    let id = esc(agent);
    let resources = reach.resources.len();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="reach" role="img" aria-labelledby="reach-title-{id} reach-desc-{id}" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
        w = width.ceil(),
        h = height.ceil()
    );
    let _ = write!(
        s,
        r#"<title id="reach-title-{id}">What {id} can reach</title>"#
    );
    let delegates: Vec<&str> = reach.delegates.iter().map(|(d, _)| d.as_str()).collect();
    let _ = write!(
        s,
        r#"<desc id="reach-desc-{id}">{id} delegates to {}; it reaches {resources} resource{}: {}.</desc>"#,
        if delegates.is_empty() {
            "no agent".to_string()
        } else {
            esc(&delegates.join(", "))
        },
        if resources == 1 { "" } else { "s" },
        esc(&reach
            .resources
            .iter()
            .map(|r| format!("{} ({}, {})", r.resource, r.classification, r.via))
            .collect::<Vec<_>>()
            .join("; "))
    );
    let _ = write!(
        s,
        r#"<defs><marker id="arrow-{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>"#
    );
    // Legend.
    let _ = write!(
        s,
        r#"<g class="legend" aria-hidden="true"><line class="e-grant" x1="{p}" y1="14" x2="{p2}" y2="14"/><text x="{t}" y="18">grant</text><line class="e-delegates" x1="{q}" y1="14" x2="{q2}" y2="14"/><text x="{u}" y="18">delegates to</text><line class="e-sync" x1="{r}" y1="14" x2="{r2}" y2="14"/><text x="{v}" y="18">syncs to</text></g>"#,
        p = PAD,
        p2 = PAD + 24.0,
        t = PAD + 30.0,
        q = PAD + 80.0,
        q2 = PAD + 104.0,
        u = PAD + 110.0,
        r = PAD + 210.0,
        r2 = PAD + 234.0,
        v = PAD + 240.0
    );
    s.push_str(r#"<g class="edges">"#);
    for (a, b, k) in &edges {
        let (na, nb) = (&nodes[*a], &nodes[*b]);
        let (x1, y1) = (na.x + na.w, na.y + NODE_H / 2.0);
        let (x2, y2) = (nb.x, nb.y + NODE_H / 2.0);
        let d = if nb.layer > na.layer {
            let dx = (x2 - x1) / 2.0;
            format!(
                "M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}",
                x1 + dx,
                x2 - dx
            )
        } else {
            // Back or same-layer edge: loop out to the right of the source and into the target's left.
            let (bx1, by1) = (na.x + na.w / 2.0, na.y + NODE_H);
            let (bx2, by2) = (nb.x + nb.w / 2.0, nb.y + NODE_H);
            let dip = by1.max(by2) + ROW_GAP * 0.8;
            format!("M{bx1:.1},{by1:.1} C{bx1:.1},{dip:.1} {bx2:.1},{dip:.1} {bx2:.1},{by2:.1}")
        };
        let verb = match *k {
            "delegates" => "delegates to",
            "sync" => "syncs to",
            _ => "is granted",
        };
        let _ = write!(
            s,
            r#"<path class="e-{k}" d="{d}" marker-end="url(#arrow-{id})"><title>{} {verb} {}</title></path>"#,
            esc(&na.label),
            esc(&nb.label)
        );
    }
    s.push_str("</g><g class=\"nodes\">");
    for nd in &nodes {
        let _ = write!(
            s,
            r#"<g class="node {}"><title>{}</title><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{NODE_H}" rx="6"/><text class="label" x="{:.1}" y="{:.1}">{}</text><text class="sub" x="{:.1}" y="{:.1}">{}</text></g>"#,
            esc(&nd.class),
            esc(&nd.title),
            nd.x,
            nd.y,
            nd.w,
            nd.x + PAD,
            nd.y + 17.0,
            esc(&nd.label),
            nd.x + PAD,
            nd.y + 32.0,
            esc(&nd.sub)
        );
        let _ = &nd.id;
    }
    s.push_str("</g></svg>");
    s
}
