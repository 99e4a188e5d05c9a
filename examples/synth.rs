//! Writes a realistic, valid synthetic governance repository for benchmarks and scale tests.
//!
//! ```text
//! cargo run --release --example synth -- --agents 10000 --out /tmp/gov10k [--seed 7]
//! agentgov check /tmp/gov10k --today 2026-11-26     # clean: no errors, no warnings
//! ```
//!
//! Shape (for N agents): one Policy and one Team (people with GitHub handles; groups that can
//! staff every tier with distinct people), about N/50 connectors of five resources each
//! (classified fields; internal and external operations; reversible, compensable with a
//! compensation, and irreversible ones), one file per agent plus its prompt file, workflows of
//! five agents that perform every granted operation with gates at least what the Policy's
//! `derive` rules require, audit lists for their tier, rollback plans, retention in bounds,
//! playbooks naming who can pause, monitors, recent reviews relative to 2026-11-26, sample rates
//! at the policy's level, acyclic delegation to an agent with nothing risky, and PolicyTests
//! whose expectations follow the decision.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

// One file for both generators; the integration tests include both, hence the allow.
#[path = "common/rng.rs"]
#[allow(clippy::duplicate_mod)]
mod rng;
use rng::Rng;

struct Args {
    agents: usize,
    out: PathBuf,
    seed: u64,
}

fn usage() -> ! {
    eprintln!("usage: synth --agents N --out DIR [--seed S]");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut agents = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--agents" => agents = val().parse().ok(),
            "--out" => out = Some(PathBuf::from(val())),
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    match (agents, out) {
        (Some(agents), Some(out)) if agents > 0 => Args { agents, out, seed },
        _ => usage(),
    }
}

const POLICY: &str = r#"# yaml-language-server: $schema=../schemas/policy.json
apiVersion: agentgov.dev/v1
kind: Policy
metadata:
  name: synthetic-marketing
  description: Synthetic policy for scale tests, modelled on the worked example
spec:
  tiers:
    - id: auto
      description: The agent acts alone; outputs are sampled for review per the rollout stage.
    - id: review
      approvals: [{ from: marketing-reviewers }]
      description: One marketing reviewer approves before the action runs.
    - id: two-person
      approvals: [{ from: marketing-leads }, { from: compliance }]
      description: A marketing lead and a compliance reviewer, two different people, both approve.
  classifications: [public, internal, confidential, personal, sensitive]
  derive:
    - when: { effect: external }
      require: review
      description: Anything that leaves the company is seen by a human first.
    - when: { reversibility: irreversible }
      require: two-person
      description: What cannot be undone needs two people.
    - when: { data_at_least: personal, operation: [update, delete] }
      require: review
      description: Changing personal data in a system of record needs a reviewer.
    - when: { data_at_least: sensitive }
      require: two-person
      description: Special-category data is touched only with two approvals.
    - when: { touches: [pricing, legal, regulated-claim] }
      require: two-person
      description: Prices, legal language and regulated claims need marketing and compliance.
    - when: { touches: [scoring-threshold, routing-rule] }
      require: review
      description: Humans stay in the loop when scoring thresholds or routing rules change.
  facts:
    customer_data: bool
    confidence: number
    systems_touched: number
    audience: string
  escalations:
    - id: low-confidence
      when: { fact: confidence, below: 0.7 }
      raise_to: review
      description: The agent is less than 70% confident.
    - id: vip-audience
      when: { fact: audience, in: [vip, enterprise] }
      raise_to: two-person
      description: The action reaches a VIP or enterprise account.
    - id: many-systems
      when: { fact: systems_touched, above: 2 }
      raise_to: review
      description: The action updates more than two systems at once.
    - id: customer-data
      when: { fact: customer_data, is: true }
      raise_to: review
      description: Customer data ends up in the output.
  prohibited:
    - operation: "*.*.delete"
      reason: Agents never delete records; a human archives them after review.
  audit:
    retention_days: { min: 30, max: 90 }
    required:
      auto: [prompt, inputs, output, model_version]
      review: [proposed_action, reviewer, decision, rationale, rejection_reason, timestamp]
      two-person: [approval_timestamps, checklist_results]
    rejection_reasons: [wrong-audience, unapproved-claim, sensitive-data-exposure, factual-error, off-brand]
  review_cadence: monthly
  sampling: { initial_rate: 1.0, initial_days: 14, steady_rate: 0.2 }
  rules:
    broad-field-access: warning
  unwaivable: [ungated-irreversible-action, data-flow-leak, delegation-escalation]
"#;

const AUDIT_AUTO: &[&str] = &["prompt", "inputs", "output", "model_version"];
const AUDIT_REVIEW: &[&str] = &[
    "proposed_action",
    "reviewer",
    "decision",
    "rationale",
    "rejection_reason",
    "timestamp",
];
const AUDIT_TWO: &[&str] = &["approval_timestamps", "checklist_results"];

const FIRST: &[&str] = &[
    "maya", "sam", "tom", "ana", "priya", "grace", "jonas", "omar", "lena", "ivan", "noor", "kofi",
    "ines", "yuki", "ravi", "zoe", "liam", "sofia", "ahmed", "mei",
];
const LAST: &[&str] = &[
    "okafor",
    "rivera",
    "adeyemi",
    "costa",
    "natarajan",
    "liu",
    "weber",
    "haddad",
    "park",
    "novak",
    "silva",
    "tanaka",
    "mensah",
    "dubois",
    "kowalski",
    "moreau",
];
const SYSTEMS: &[(&str, &str)] = &[
    ("crm", "HubSpot CRM"),
    ("mail", "Customer.io"),
    ("social", "Buffer"),
    ("docs", "Google Drive"),
    ("sales", "Salesforce"),
    ("ads", "LinkedIn Ads"),
    ("support", "Zendesk"),
    ("web", "Webflow CMS"),
];
const MODELS: &[(&str, &str, &str)] = &[
    ("anthropic", "claude-sonnet-4-5", "20250929"),
    ("openai", "gpt-4.1-mini", "2025-04-14"),
    ("openai", "gpt-4.1", "2025-04-14"),
    ("example-ai", "writer-large", "2026-05-01"),
];
const PLAYBOOKS: &[(&str, &str)] = &[
    (
        "hallucinated-claim",
        "Hallucinated or unapproved claim in published content",
    ),
    ("wrong-segmentation", "Wrong audience or segment targeted"),
    ("duplicate-update", "Duplicate updates, posts or sends"),
    (
        "unauthorized-access",
        "Access to data outside the agent's grants",
    ),
    (
        "bad-downstream-sync",
        "Bad data synced to a downstream system",
    ),
];

/// The roles of the five agents of a workflow group, by position.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Summarizer,
    Scorer,
    Sender,
    Publisher,
    Coordinator,
}

const ROLES: [Role; 5] = [
    Role::Summarizer,
    Role::Scorer,
    Role::Sender,
    Role::Publisher,
    Role::Coordinator,
];

impl Role {
    fn slug(self) -> &'static str {
        match self {
            Role::Summarizer => "summarizer",
            Role::Scorer => "scorer",
            Role::Sender => "sender",
            Role::Publisher => "publisher",
            Role::Coordinator => "coordinator",
        }
    }
    fn external(self) -> bool {
        matches!(self, Role::Sender | Role::Publisher)
    }
}

/// A step: operation (`resource.op`, relative to the connector), fields, gate, touches, checklist.
struct Step {
    id: &'static str,
    res: &'static str,
    op: &'static str,
    fields: Option<&'static [&'static str]>,
    gate: &'static str,
    touches: Option<&'static str>,
    checklist: bool,
}

const fn step(id: &'static str, res: &'static str, op: &'static str, gate: &'static str) -> Step {
    Step {
        id,
        res,
        op,
        fields: None,
        gate,
        touches: None,
        checklist: false,
    }
}

const SCORER_READ: &[&str] = &["region", "segment", "score", "company_size"];
const SCORER_WRITE: &[&str] = &["score", "score_reason"];
const CONTACT_FIX: &[&str] = &["email", "consent_status"];

fn steps(role: Role, recommend_only: bool) -> Vec<Step> {
    match role {
        Role::Summarizer => vec![
            step("read-notes", "notes", "read", "auto"),
            step(
                "summarize",
                "notes",
                "create",
                if recommend_only { "review" } else { "auto" },
            ),
        ],
        Role::Scorer => vec![
            Step {
                fields: Some(SCORER_READ),
                ..step("read-records", "records", "read", "auto")
            },
            Step {
                fields: Some(SCORER_WRITE),
                ..step("score", "records", "update", "auto")
            },
            Step {
                touches: Some("scoring-threshold"),
                ..step("change-threshold", "scoring", "update", "review")
            },
        ],
        Role::Sender => vec![
            step("draft", "messages", "create", "auto"),
            step("revise", "messages", "update", "auto"),
            Step {
                checklist: true,
                ..step("send", "messages", "send", "two-person")
            },
        ],
        Role::Publisher => vec![
            step("draft-post", "posts", "create", "auto"),
            step("publish", "posts", "publish", "review"),
        ],
        Role::Coordinator => vec![
            step("gather", "notes", "read", "auto"),
            Step {
                // Personal data written: `derive` requires review.
                fields: Some(CONTACT_FIX),
                ..step("fix-contact", "records", "update", "review")
            },
        ],
    }
}

fn tier_rank(t: &str) -> usize {
    match t {
        "auto" => 0,
        "review" => 1,
        _ => 2,
    }
}

struct Person {
    id: String,
    name: String,
    github: String,
    bucket: usize,
}

struct Team {
    people: Vec<Person>,
}

impl Team {
    /// Buckets by `i % 20`: 0-2 marketing leads, 3-5 compliance, 6-13 reviewers, 14-17 ops,
    /// 18-19 sales ops.
    fn new(n: usize, rng: &mut Rng) -> Team {
        let people = (0..n)
            .map(|i| {
                let f = *rng.pick(FIRST);
                let l = *rng.pick(LAST);
                Person {
                    id: format!("{f}-{l}-{i}"),
                    name: format!(
                        "{}{} {}{}",
                        &f[..1].to_uppercase(),
                        &f[1..],
                        &l[..1].to_uppercase(),
                        &l[1..]
                    ),
                    github: format!("{f}{l}{i}"),
                    bucket: i % 20,
                }
            })
            .collect();
        Team { people }
    }
    fn in_buckets(&self, lo: usize, hi: usize) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| (lo..=hi).contains(&p.bucket))
            .collect()
    }
    fn pick(&self, lo: usize, hi: usize, k: usize) -> &str {
        let v = self.in_buckets(lo, hi);
        &v[k % v.len()].id
    }
    fn leads(&self, k: usize) -> &str {
        self.pick(0, 2, k)
    }
    fn reviewer(&self, k: usize) -> &str {
        self.pick(6, 13, k)
    }
    fn ops(&self, k: usize) -> &str {
        self.pick(14, 17, k)
    }
    fn compliance(&self, k: usize) -> &str {
        self.pick(3, 5, k)
    }
}

fn team_yaml(t: &Team) -> String {
    let mut s = String::from(
        "# yaml-language-server: $schema=../schemas/team.json\napiVersion: agentgov.dev/v1\nkind: Team\nmetadata:\n  name: synthetic-marketing\n  description: Everyone who owns, approves or responds\nspec:\n  people:\n",
    );
    let roles = [
        "Marketing Lead",
        "Compliance Reviewer",
        "Marketing Reviewer",
        "Operations Engineer",
        "Sales Operations",
    ];
    for p in &t.people {
        let role = match p.bucket {
            0..=2 => roles[0],
            3..=5 => roles[1],
            6..=13 => roles[2],
            14..=17 => roles[3],
            _ => roles[4],
        };
        let _ = writeln!(
            s,
            "    - id: {}\n      name: {}\n      email: {}@example.com\n      github: {}\n      role: {role}",
            p.id, p.name, p.id, p.github
        );
    }
    s.push_str("  groups:\n");
    let groups: [(&str, usize, usize, &str); 5] = [
        (
            "marketing-leads",
            0,
            2,
            "Marketing sign-off for `two-person` actions.",
        ),
        (
            "compliance",
            3,
            5,
            "Privacy, legal and claims sign-off for `two-person` actions.",
        ),
        (
            "marketing-reviewers",
            6,
            13,
            "Review agent output before it is published or changes a record.",
        ),
        (
            "ops",
            14,
            17,
            "Run the gateway, permissions, logs, monitors and rollbacks.",
        ),
        (
            "sales-ops",
            18,
            19,
            "Own sales queues, routing rules and lead assignment.",
        ),
    ];
    for (id, lo, hi, desc) in groups {
        let members: Vec<&str> = t.in_buckets(lo, hi).iter().map(|p| p.id.as_str()).collect();
        let _ = writeln!(
            s,
            "    - id: {id}\n      members: [{}]\n      description: {desc}",
            members.join(", ")
        );
    }
    s
}

fn connector_yaml(name: &str, system: &str, syncs_to: Option<&str>) -> String {
    let mut s = format!(
        "# yaml-language-server: $schema=../schemas/connector.json
apiVersion: agentgov.dev/v1
kind: Connector
metadata:
  name: {name}
  description: {system} as used by the {name} agents
spec:
  system: {system}
  resources:
    records:
      classification: personal
      description: People and accounts, with firmographics and score.
      fields:
        email: personal
        full_name: personal
        phone: personal
        consent_status: personal
        region: internal
        segment: internal
        company_size: internal
        score: internal
        score_reason: internal
      operations:
        read: {{ effect: internal, reversibility: reversible }}
        update: {{ effect: internal, reversibility: reversible, history: true, description: Change properties; prior values stay in history }}
        delete: {{ effect: internal, reversibility: irreversible, description: Permanently delete a record }}
"
    );
    if let Some(t) = syncs_to {
        let _ = writeln!(s, "      syncs_to: [{t}.records]");
    }
    s.push_str(
        "    scoring:
      classification: internal
      description: Scoring weights and thresholds.
      operations:
        read: { effect: internal, reversibility: reversible }
        update: { effect: internal, reversibility: reversible, history: true }
    notes:
      classification: internal
      description: Briefs, notes and summaries.
      operations:
        read: { effect: internal, reversibility: reversible }
        create: { effect: internal, reversibility: reversible, history: true }
    messages:
      classification: internal
      description: Outgoing messages (drafts until sent).
      fields:
        subject: internal
        body: internal
      operations:
        create: { effect: internal, reversibility: reversible, history: true }
        update: { effect: internal, reversibility: reversible, history: true }
        send: { effect: external, reversibility: irreversible, description: A sent message cannot be recalled }
    posts:
      classification: public
      description: Public posts.
      operations:
        create: { effect: internal, reversibility: reversible }
        publish:
          effect: external
          reversibility: compensable
          compensation: Retract the post and publish a correction
",
    );
    s
}

fn playbook_yaml(name: &str, failure: &str, t: &Team, k: usize) -> String {
    format!(
        "# yaml-language-server: $schema=../schemas/playbook.json
apiVersion: agentgov.dev/v1
kind: Playbook
metadata:
  name: {name}
  description: {failure}
spec:
  failure_mode: {failure}
  detection: Monitors, reviewer rejections and reports from customers.
  owner: {owner}
  can_pause: [{p1}, {p2}, {p3}]
  containment: Pause the agent, block the affected operation and preserve the audit log.
  rollback: Restore prior values from history, retract what was published and reassign what was moved.
  customer_communication:
    when: A customer saw the effect of the failure
    owner: {comms}
  postmortem: {pm}
",
        owner = t.ops(k),
        p1 = t.ops(k + 1),
        p2 = t.ops(k + 2),
        p3 = t.leads(k),
        comms = t.compliance(k),
        pm = if k % 2 == 0 { "required" } else { "optional" },
    )
}

struct AgentSpec {
    name: String,
    role: Role,
    connector: String,
    recommend_only: bool,
    delegate: Option<String>,
}

fn agent_yaml(a: &AgentSpec, t: &Team, k: usize, rng: &mut Rng) -> String {
    let c = &a.connector;
    let (provider, model, version) = *rng.pick(MODELS);
    let mut grants = String::new();
    // One grant per resource; its operations and fields are exactly what the steps use.
    let st = steps(a.role, a.recommend_only);
    let mut resources: Vec<&str> = Vec::new();
    for s in &st {
        if !resources.contains(&s.res) {
            resources.push(s.res);
        }
    }
    for r in resources {
        let on_r: Vec<&Step> = st.iter().filter(|s| s.res == r).collect();
        let mut ops: Vec<&str> = Vec::new();
        for s in &on_r {
            if !ops.contains(&s.op) {
                ops.push(s.op);
            }
        }
        if on_r.iter().any(|s| s.fields.is_some()) {
            // Resources with personal fields: one grant per operation, with exactly the fields
            // its steps use.
            for op in ops {
                let mut fields: Vec<&str> = Vec::new();
                for s in on_r.iter().filter(|s| s.op == op) {
                    for f in s.fields.unwrap_or_default() {
                        if !fields.contains(f) {
                            fields.push(f);
                        }
                    }
                }
                let _ = write!(
                    grants,
                    "    - resource: {c}.{r}\n      operations: [{op}]\n      fields: [{}]\n",
                    fields.join(", ")
                );
            }
        } else {
            let _ = write!(
                grants,
                "    - resource: {c}.{r}\n      operations: [{}]\n",
                ops.join(", ")
            );
        }
    }
    let (cadence, last) = match rng.below(3) {
        0 => ("weekly", "2026-11-23"),
        1 => ("monthly", "2026-11-09"),
        _ => ("quarterly", "2026-10-05"),
    };
    let rollout = match rng.below(3) {
        0 => "{ stage: pilot, since: 2026-11-16, sample_rate: 1.0 }",
        1 => "{ stage: sampling, since: 2026-10-20, sample_rate: 0.25 }",
        _ => "{ stage: stable, since: 2026-09-01, sample_rate: 0.2 }",
    };
    let mut s = format!(
        "# yaml-language-server: $schema=../../schemas/agent.json
apiVersion: agentgov.dev/v1
kind: Agent
metadata:
  name: {name}
  description: The {role} of the {c} team
  labels:
    connector: {c}
    role: {role}
spec:
  owners: {{ business: {biz}, technical: {tech} }}
  model: {{ provider: {provider}, name: {model}, version: \"{version}\" }}
  prompt: {{ path: prompts/{c}/{name}.md }}
  mode: {mode}
  grants:
{grants}",
        name = a.name,
        role = a.role.slug(),
        biz = if k % 2 == 0 {
            t.leads(k)
        } else {
            t.reviewer(k)
        },
        tech = t.ops(k),
        mode = if a.recommend_only {
            "recommend-only"
        } else {
            "autonomous"
        },
    );
    if let Some(d) = &a.delegate {
        let _ = writeln!(s, "  delegates_to: [{d}]");
    }
    let _ = writeln!(s, "  rollout: {rollout}");
    let _ = writeln!(
        s,
        "  review: {{ cadence: {cadence}, last_reviewed: {last} }}"
    );
    s.push_str("  monitors:\n");
    s.push_str("    - { metric: failed_actions, window: 1h, above: 3, then: recommend-only, playbook: duplicate-update }\n");
    s.push_str("    - { metric: restricted_field_access, window: 1h, above: 0, then: pause, playbook: unauthorized-access }\n");
    if a.role.external() {
        s.push_str("    - { metric: rejection_rate_increase, window: 1w, above: 0.10, then: recommend-only, playbook: hallucinated-claim }\n");
        s.push_str("    - { metric: corrections, window: 1d, above: 0, then: pause, playbook: hallucinated-claim }\n");
    }
    s
}

fn prompt_md(a: &AgentSpec) -> String {
    format!(
        "# {name}\n\nYou are the {role} agent of the `{c}` team. Work only with the data your grants \
         allow and never guess facts you cannot source.\n\n## Rules\n\n- Cite the record or note \
         each claim comes from.\n- If you are less than 70% confident, say so: a reviewer will \
         look.\n- Never include personal data in outputs that leave the company.\n- Stop and ask \
         when an action would reach a VIP or enterprise account.\n",
        name = a.name,
        role = a.role.slug(),
        c = a.connector
    )
}

/// A workflow over a group of agents (by role position); returns the YAML and its tier.
fn workflow_yaml(name: &str, group: &[AgentSpec], t: &Team, k: usize) -> String {
    let c = &group[0].connector;
    let mut tier = 0;
    let mut body = String::new();
    let mut external = false;
    for a in group {
        for st in steps(a.role, a.recommend_only) {
            tier = tier.max(tier_rank(st.gate));
            external |= a.role.external() && st.gate != "auto";
            let _ = write!(
                body,
                "    - id: {}-{}\n      agent: {}\n      does: {c}.{}.{}\n      gate: {}\n",
                a.role.slug(),
                st.id,
                a.name,
                st.res,
                st.op,
                st.gate
            );
            if let Some(f) = st.fields {
                let _ = writeln!(body, "      fields: [{}]", f.join(", "));
            }
            if let Some(to) = st.touches {
                let _ = writeln!(body, "      touches: [{to}]");
            }
            if st.checklist {
                body.push_str("      checklist: [source-data-verified, claims-approved, audience-correct, escalation-triggers-checked, legal-flags-absent, rollback-ready]\n");
            }
        }
    }
    let mut audit: Vec<&str> = AUDIT_AUTO.to_vec();
    if tier >= 1 {
        audit.extend(AUDIT_REVIEW);
    }
    if tier >= 2 {
        audit.extend(AUDIT_TWO);
    }
    audit.extend(["data_sources", "final_action"]);
    let has_scorer = group
        .iter()
        .any(|a| matches!(a.role, Role::Scorer | Role::Coordinator));
    format!(
        "# yaml-language-server: $schema=../../schemas/workflow.json
apiVersion: agentgov.dev/v1
kind: Workflow
metadata:
  name: {name}
  description: Synthetic use case {name}
spec:
  use_case: Campaign and record upkeep for the {c} team
  risk: {{ data_sensitivity: {ds}, external_impact: {ext},
          regulatory_exposure: {reg}, rollback_difficulty: {rb} }}
  steps:
{body}  audit: [{audit}]
  rollback:
    strategy: Restore prior values from history, retract posts with a correction, suppress follow-up sends
    owner: {owner}
    within_minutes: {mins}
  retention_days: {ret}
  playbooks: [hallucinated-claim, wrong-segmentation, duplicate-update, unauthorized-access, bad-downstream-sync, outage-{c}]
",
        ds = if has_scorer { "personal" } else { "internal" },
        ext = if external { "external" } else { "internal" },
        reg = ["low", "medium", "high"][tier],
        rb = ["easy", "moderate", "hard"][tier],
        audit = audit.join(", "),
        owner = t.ops(k),
        mins = 30 + (k % 4) * 30,
        ret = 30 + (k % 7) * 10,
    )
}

/// PolicyTest cases for a group, following DESIGN §3.
fn tests_doc(name: &str, wf: &str, group: &[AgentSpec]) -> String {
    let c = &group[0].connector;
    let mut s = format!(
        "---
apiVersion: agentgov.dev/v1
kind: PolicyTest
metadata:
  name: {name}
  description: Decisions of workflow {wf}
spec:
  cases:
"
    );
    for a in group {
        let n = &a.name;
        let case = |s: &mut String, what: &str, rest: &str| {
            let _ = writeln!(s, "    - {{ name: {what} ({n}), agent: {n}, {rest} }}");
        };
        match a.role {
            Role::Summarizer => {
                case(
                    &mut s,
                    "reading notes is automatic",
                    &format!("does: {c}.notes.read, expect: allow"),
                );
                if a.recommend_only {
                    case(
                        &mut s,
                        "a recommend-only summary needs review",
                        &format!(
                            "does: {c}.notes.create, workflow: {wf}, expect: {{ approve: review }}"
                        ),
                    );
                } else {
                    case(
                        &mut s,
                        "a summary is automatic",
                        &format!("does: {c}.notes.create, workflow: {wf}, expect: allow"),
                    );
                }
                case(&mut s, "low confidence escalates", &format!("does: {c}.notes.create, context: {{ confidence: 0.4 }}, expect: {{ approve: review }}"));
                case(
                    &mut s,
                    "no sending",
                    &format!("does: {c}.messages.send, expect: deny"),
                );
            }
            Role::Scorer => {
                case(
                    &mut s,
                    "reading firmographics is automatic",
                    &format!("does: {c}.records.read, fields: [region, score], expect: allow"),
                );
                case(
                    &mut s,
                    "writing a score is automatic",
                    &format!(
                        "does: {c}.records.update, fields: [score], workflow: {wf}, expect: allow"
                    ),
                );
                case(
                    &mut s,
                    "contact data is not granted",
                    &format!("does: {c}.records.update, fields: [email], expect: deny"),
                );
                case(
                    &mut s,
                    "phone is not granted",
                    &format!("does: {c}.records.read, fields: [phone], expect: deny"),
                );
                case(
                    &mut s,
                    "threshold changes need review",
                    &format!("does: {c}.scoring.update, expect: {{ approve: review }}"),
                );
                case(
                    &mut s,
                    "no deleting records",
                    &format!("does: {c}.records.delete, expect: deny"),
                );
            }
            Role::Sender => {
                case(
                    &mut s,
                    "drafting is automatic",
                    &format!("does: {c}.messages.create, expect: allow"),
                );
                case(&mut s, "sending needs two people", &format!("does: {c}.messages.send, workflow: {wf}, expect: {{ approve: two-person }}"));
                case(&mut s, "a VIP draft needs two people", &format!("does: {c}.messages.create, context: {{ audience: vip }}, expect: {{ approve: two-person }}"));
            }
            Role::Publisher => {
                case(
                    &mut s,
                    "drafting a post is automatic",
                    &format!("does: {c}.posts.create, expect: allow"),
                );
                case(
                    &mut s,
                    "publishing needs review",
                    &format!("does: {c}.posts.publish, expect: {{ approve: review }}"),
                );
            }
            Role::Coordinator => {
                case(
                    &mut s,
                    "gathering notes is automatic",
                    &format!("does: {c}.notes.read, expect: allow"),
                );
                case(
                    &mut s,
                    "delegation grants nothing",
                    &format!("does: {c}.notes.create, expect: deny"),
                );
                case(&mut s, "fixing contact data needs review", &format!("does: {c}.records.update, fields: [email], workflow: {wf}, expect: {{ approve: review }}"));
            }
        }
    }
    s
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)
}

/// Marks a folder as written by this generator (so that it may replace it).
const MARKER: &str = ".agentgov-synth";

/// What [`generate`] wrote.
pub struct Summary {
    pub agents: usize,
    pub connectors: usize,
    pub workflows: usize,
    pub people: usize,
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let s = generate(args.agents, &args.out, args.seed)?;
    eprintln!(
        "wrote {} agents, {} connectors, {} workflows, {} people to {}",
        s.agents,
        s.connectors,
        s.workflows,
        s.people,
        args.out.display()
    );
    Ok(())
}

/// Writes a repository of `n` agents into `out` (replacing it).
pub fn generate(n: usize, out: &Path, seed: u64) -> io::Result<Summary> {
    let mut rng = Rng(seed);
    if out.exists() {
        // Only ever delete what this generator wrote.
        let empty = fs::read_dir(out)?.next().is_none();
        if !empty && !out.join(MARKER).exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and was not written by synth; not replacing it",
                    out.display()
                ),
            ));
        }
        fs::remove_dir_all(out)?;
    }
    fs::create_dir_all(out)?;
    fs::write(
        out.join(MARKER),
        "written by examples/synth.rs; safe to delete\n",
    )?;

    let team = Team::new((n / 20).max(20) + 20, &mut rng);
    write(&out.join("policy.yaml"), POLICY)?;
    write(&out.join("team.yaml"), &team_yaml(&team))?;

    let nconn = n.div_ceil(50).max(1);
    let conns: Vec<String> = (0..nconn)
        .map(|i| format!("{}-{:03}", SYSTEMS[i % SYSTEMS.len()].0, i))
        .collect();
    for (i, c) in conns.iter().enumerate() {
        // Pairs of connectors sync personal records to each other's personal records.
        let syncs = if i % 2 == 0 {
            conns.get(i + 1).map(String::as_str)
        } else {
            None
        };
        write(
            &out.join(format!("connectors/{c}.yaml")),
            &connector_yaml(c, SYSTEMS[i % SYSTEMS.len()].1, syncs),
        )?;
        write(
            &out.join(format!("playbooks/outage-{c}.yaml")),
            &playbook_yaml(
                &format!("outage-{c}"),
                &format!("Outage or bad data in {c}"),
                &team,
                i,
            ),
        )?;
    }
    for (k, (name, failure)) in PLAYBOOKS.iter().enumerate() {
        write(
            &out.join(format!("playbooks/{name}.yaml")),
            &playbook_yaml(name, failure, &team, k),
        )?;
    }

    // Agents in contiguous blocks per connector; groups of five roles per workflow.
    let mut agents: Vec<AgentSpec> = Vec::with_capacity(n);
    for i in 0..n {
        let ci = i * nconn / n;
        let first_of_conn = (ci * n).div_ceil(nconn);
        let pos = (i - first_of_conn) % 5;
        let role = ROLES[pos];
        let c = &conns[ci];
        let name = format!("{c}-{}-{i:05}", role.slug());
        let group_start = i - pos;
        let delegate = (role == Role::Coordinator).then(|| agents[group_start].name.clone());
        agents.push(AgentSpec {
            name,
            role,
            connector: c.clone(),
            recommend_only: role == Role::Summarizer && i % 7 == 3,
            delegate,
        });
    }
    for (k, a) in agents.iter().enumerate() {
        write(
            &out.join(format!("agents/{}/{}.yaml", a.connector, a.name)),
            &agent_yaml(a, &team, k, &mut rng),
        )?;
        write(
            &out.join(format!("prompts/{}/{}.md", a.connector, a.name)),
            &prompt_md(a),
        )?;
    }
    // Groups: consecutive agents of one connector starting with a summarizer.
    let mut groups: Vec<&[AgentSpec]> = Vec::new();
    let mut start = 0;
    for i in 1..=agents.len() {
        if i == agents.len() || agents[i].role == Role::Summarizer {
            groups.push(&agents[start..i]);
            start = i;
        }
    }
    let mut tests_by_conn: Vec<String> = vec![String::new(); nconn];
    for (k, g) in groups.iter().enumerate() {
        let c = &g[0].connector;
        let wf = format!("{c}-flow-{k:04}");
        write(
            &out.join(format!("workflows/{c}/{wf}.yaml")),
            &workflow_yaml(&wf, g, &team, k),
        )?;
        let ci = conns.iter().position(|x| x == c).expect("known connector");
        tests_by_conn[ci].push_str(&tests_doc(&format!("{wf}-decisions"), &wf, g));
    }
    for (c, t) in conns.iter().zip(tests_by_conn) {
        if !t.is_empty() {
            write(
                &out.join(format!("tests/{c}.yaml")),
                &format!("# yaml-language-server: $schema=../schemas/policytest.json\n{t}"),
            )?;
        }
    }
    Ok(Summary {
        agents: n,
        connectors: nconn,
        workflows: groups.len(),
        people: team.people.len(),
    })
}
