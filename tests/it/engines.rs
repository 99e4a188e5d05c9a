//! The generated Cedar and Rego, loaded into the real engines (cedar-policy, regorus), answer
//! exactly like `Plan::decide` and `Plan::permits`: on the worked example, on the base fixture and
//! on random repositories.

use crate::common::gen;

use agentgov::analysis::{check, CheckOptions};
use agentgov::decide::{FactValue, Outcome, Plan, Request};
use agentgov::emit::{cedar, opa, EmitContext};
use agentgov::model::{FactType, Mode};
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, PolicySet,
    Request as CedarRequest, Schema, ValidationMode, Validator,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A fact value as an enforcement point sends it; numbers as decimal text (≤ 4 fractional digits).
#[derive(Debug, Clone)]
enum Val {
    Bool(bool),
    Num(String),
    Str(String),
}

impl Val {
    fn fact(&self) -> FactValue {
        match self {
            Val::Bool(b) => FactValue::Bool(*b),
            Val::Num(s) => FactValue::Number(s.parse().expect("number")),
            Val::Str(s) => FactValue::String(s.clone()),
        }
    }
    fn json(&self) -> Value {
        match self {
            Val::Bool(b) => json!(b),
            Val::Num(s) => json!(s.parse::<f64>().expect("number")),
            Val::Str(s) => json!(s),
        }
    }
    fn cedar(&self) -> Value {
        match self {
            // Cedar's decimal text always has a fractional part.
            Val::Num(s) if s.contains('.') => json!({ "__extn": { "fn": "decimal", "arg": s } }),
            Val::Num(s) => json!({ "__extn": { "fn": "decimal", "arg": format!("{s}.0") } }),
            v => v.json(),
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    agent: String,
    op: String,
    fields: Option<Vec<String>>,
    workflow: Option<String>,
    context: Vec<(String, Val)>,
}

impl Case {
    fn request(&self) -> Request {
        Request {
            agent: self.agent.clone(),
            operation: self.op.clone(),
            fields: self.fields.clone(),
            workflow: self.workflow.clone(),
            context: self
                .context
                .iter()
                .map(|(k, v)| (k.clone(), v.fact()))
                .collect(),
        }
    }
}

type Approvals = Option<(usize, BTreeSet<String>)>;

/// A repository compiled and loaded into both engines.
struct Compiled {
    plan: Plan,
    facts: BTreeMap<String, FactType>,
    agents: Vec<String>,
    /// Every operation the connectors define.
    ops: Vec<String>,
    /// Fields of each resource.
    resource_fields: BTreeMap<String, Vec<String>>,
    workflows: Vec<String>,
    schema: Schema,
    policies: PolicySet,
    entities: Entities,
    rego: regorus::Engine,
    policies_text: String,
}

fn compile(root: &Path) -> Compiled {
    let checked = check(
        root,
        &CheckOptions {
            load: Default::default(),
            today: today(),
        },
    )
    .expect("readable");
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == agentgov::diag::Severity::Error && d.waived.is_none())
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not check clean: {errors:#?}",
        root.display()
    );
    let cx = EmitContext::from_checked(&checked, today()).expect("a plan");
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.extend(cedar::emit(&cx));
    files.extend(opa::emit(&cx));
    let text = |p: &str| String::from_utf8(files[p].clone()).expect("utf-8");

    let (schema, _warnings) = Schema::from_cedarschema_str(&text("cedar/schema.cedarschema"))
        .unwrap_or_else(|e| panic!("schema: {e:?}\n{}", text("cedar/schema.cedarschema")));
    let policies_text = text("cedar/policies.cedar");
    let policies = PolicySet::from_str(&policies_text)
        .unwrap_or_else(|e| panic!("policies: {e:?}\n{policies_text}"));
    let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    let problems: Vec<String> = result
        .validation_errors()
        .map(|e| format!("{e:?}"))
        .collect();
    assert!(
        result.validation_passed() && problems.is_empty(),
        "strict validation: {problems:#?}\n{policies_text}"
    );
    let entities =
        Entities::from_json_str(&text("cedar/entities.json"), Some(&schema)).expect("entities");

    let mut rego = regorus::Engine::new();
    rego.add_policy("opa/policy.rego".into(), text("opa/policy.rego"))
        .expect("rego parses");
    rego.add_data(regorus::Value::from_json_str(&text("opa/data.json")).expect("data"))
        .expect("data loads");

    let m = cx.model;
    let mut resource_fields = BTreeMap::new();
    for (c, conn) in &m.connectors {
        for (r, res) in &conn.spec.resources {
            resource_fields.insert(format!("{c}.{r}"), res.fields.keys().cloned().collect());
        }
    }
    let compiled = Compiled {
        plan: cx.plan.clone(),
        facts: m.policy().facts.clone(),
        agents: m.agents.keys().cloned().collect(),
        ops: m.all_operations().map(|(o, _)| o.to_string()).collect(),
        resource_fields,
        workflows: m.workflows.keys().cloned().collect(),
        schema,
        policies,
        entities,
        rego,
        policies_text,
    };
    // Every entity exists.
    for a in &compiled.agents {
        assert!(
            compiled.entities.get(&uid("Agent", a)).is_some(),
            "entity for agent {a}"
        );
    }
    compiled
}

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.parse().expect("type"), cedar_policy::EntityId::new(id))
}

impl Compiled {
    fn cedar_allows(&self, case: &Case, approvals: &Approvals) -> bool {
        let ctx = self.wire(case, approvals).cedar;
        let action = uid("Action", &case.op);
        let resource = case.op.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
        // An operation the schema declares is checked against it; any other is sent unchecked.
        let known = self.ops.contains(&case.op);
        let schema = known.then_some(&self.schema);
        let context = Context::from_json_value(Value::Object(ctx), schema.map(|s| (s, &action)))
            .unwrap_or_else(|e| panic!("context for {case:?}: {e:?}"));
        let request = CedarRequest::new(
            uid("Agent", &case.agent),
            action,
            uid("Resource", resource),
            context,
            schema,
        )
        .unwrap_or_else(|e| panic!("request {case:?}: {e:?}"));
        let response = Authorizer::new().is_authorized(&request, &self.policies, &self.entities);
        assert!(
            response.diagnostics().errors().next().is_none(),
            "evaluation errors for {case:?}"
        );
        response.decision() == CedarDecision::Allow
    }

    fn rego_decision(&mut self, case: &Case, approvals: &Approvals) -> Value {
        let input = self.wire(case, approvals).rego;
        self.rego_eval(&input)
    }

    /// Approval records around what the tier of `decision` needs: none, one person too few, one
    /// group missing, just enough, and more than enough.
    fn approval_variants(&self, tier: Option<&str>) -> Vec<Approvals> {
        let rank = tier
            .and_then(|t| self.plan.tiers.iter().position(|x| x == t))
            .filter(|r| *r > 0)
            .unwrap_or(self.plan.tiers.len() - 1);
        let need = &self.plan.approvals[rank];
        let mut out = vec![None];
        if need.count > 0 {
            out.push(Some((need.count - 1, need.groups.clone())));
        }
        if let Some(first) = need.groups.iter().next() {
            let mut g = need.groups.clone();
            g.remove(first);
            out.push(Some((need.count, g)));
        }
        out.push(Some((need.count, need.groups.clone())));
        let mut more = need.groups.clone();
        more.insert("someone-else".into());
        out.push(Some((need.count + 1, more)));
        out
    }

    /// Runs one request through decide, Cedar and Rego with every approval variant.
    fn compare(&mut self, case: &Case) -> agentgov::decide::Decision {
        let req = case.request();
        let d = self.plan.decide(&req);
        for approvals in self.approval_variants(d.tier.as_deref()) {
            let permits = self
                .plan
                .permits(&req, approvals.as_ref().map(|(n, g)| (*n, g)));
            let cedar = self.cedar_allows(case, &approvals);
            assert_eq!(
                cedar, permits,
                "Cedar disagrees with decide for {case:?} with approvals {approvals:?}: decide says {d:?}\n{}",
                self.policies_text
            );
            let rego = self.rego_decision(case, &approvals);
            let expected = json!({
                "effect": d.effect.as_str(),
                "tier": d.tier,
                "permit": permits,
                "reasons": d.reasons,
            });
            assert_eq!(
                rego, expected,
                "Rego disagrees with decide for {case:?} with approvals {approvals:?}"
            );
        }
        d
    }

    /// The values of each dimension of the request matrix.
    fn dimensions(&self) -> Dims {
        let mut agents = self.agents.clone();
        agents.push("no-such-agent".into());
        let mut ops = self.ops.clone();
        ops.push("nowhere.nothing.act".into());
        let mut contexts: Vec<Vec<(String, Val)>> = vec![vec![]];
        let mut all_on = Vec::new();
        for e in &self.plan.escalations {
            let (on, off) = self.escalation_values(e);
            if let Some(v) = &on {
                contexts.push(vec![(e.fact.clone(), v.clone())]);
                all_on.push((e.fact.clone(), v.clone()));
            }
            if let Some(v) = off {
                contexts.push(vec![(e.fact.clone(), v)]);
            }
        }
        // Every escalation on at once (later facts win when two share one).
        let mut dedup: BTreeMap<String, Val> = BTreeMap::new();
        for (k, v) in all_on {
            dedup.insert(k, v);
        }
        if dedup.len() > 1 {
            contexts.push(dedup.into_iter().collect());
        }
        Dims {
            agents,
            ops,
            contexts,
        }
    }

    /// A value of the escalation's fact that triggers it and one that does not (exactly at the
    /// threshold when there is one).
    fn escalation_values(
        &self,
        e: &agentgov::decide::EscalationPlan,
    ) -> (Option<Val>, Option<Val>) {
        let candidates: Vec<Val> = match self.facts.get(&e.fact) {
            Some(FactType::Number) => {
                let mut v: Vec<String> = [
                    "-2", "-1.5", "-1.4999", "0", "0.1234", "0.1235", "0.4", "0.5", "0.6999",
                    "0.7", "0.7001", "1", "2", "2.0001", "100", "100.5",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                // The threshold itself first, so that "off" is the boundary when it can be.
                if let agentgov::decide::TestPlan::Below(n) | agentgov::decide::TestPlan::Above(n) =
                    &e.test
                {
                    let s = format!("{n}");
                    if s.split('.').nth(1).is_none_or(|f| f.len() <= 4) {
                        v.insert(0, s);
                    }
                }
                v.into_iter().map(Val::Num).collect()
            }
            Some(FactType::String) => {
                let mut v: Vec<Val> = gen::AUDIENCES
                    .iter()
                    .map(|s| Val::Str(s.to_string()))
                    .collect();
                if let agentgov::decide::TestPlan::In(list) = &e.test {
                    v.extend(list.iter().map(|s| Val::Str(s.clone())));
                }
                v.push(Val::Str("nobody".into()));
                v
            }
            Some(FactType::Bool) => vec![Val::Bool(true), Val::Bool(false)],
            None => vec![],
        };
        let holds = |v: &Val| {
            let ctx = BTreeMap::from([(e.fact.clone(), v.fact())]);
            agentgov::decide::escalation_holds(e, &ctx)
        };
        let on = candidates.iter().find(|v| holds(v)).cloned();
        let off = candidates.iter().find(|v| !holds(v)).cloned();
        (on, off)
    }

    fn workflows_for(&self) -> Vec<Option<String>> {
        let mut w: Vec<Option<String>> = vec![None];
        w.extend(self.workflows.iter().cloned().map(Some));
        w.push(Some("no-such-workflow".into()));
        w
    }

    fn fields_for(&self, agent: &str, op: &str) -> Vec<Option<Vec<String>>> {
        let resource = op.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
        let all = self
            .resource_fields
            .get(resource)
            .cloned()
            .unwrap_or_default();
        let granted: Vec<String> = self
            .plan
            .agents
            .get(agent)
            .and_then(|a| a.operations.get(op))
            .and_then(|o| o.field_sets.first())
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_else(|| all.clone());
        let outside = all
            .iter()
            .find(|f| !granted.contains(f))
            .cloned()
            .unwrap_or_else(|| "no-such-field".to_string());
        let mut with_outside = granted.clone();
        with_outside.push(outside);
        vec![None, Some(granted), Some(with_outside), Some(vec![])]
    }
}

struct Dims {
    agents: Vec<String>,
    ops: Vec<String>,
    contexts: Vec<Vec<(String, Val)>>,
}

/// Every request of the matrix, or a deterministic strided sample of about `limit` of them that
/// still covers every value of every dimension.
fn matrix(c: &Compiled, limit: usize) -> Vec<Case> {
    let d = c.dimensions();
    let workflows = c.workflows_for();
    let mut all = Vec::new();
    for agent in &d.agents {
        for op in &d.ops {
            for workflow in &workflows {
                for fields in c.fields_for(agent, op) {
                    for context in &d.contexts {
                        all.push(Case {
                            agent: agent.clone(),
                            op: op.clone(),
                            fields: fields.clone(),
                            workflow: workflow.clone(),
                            context: context.clone(),
                        });
                    }
                }
            }
        }
    }
    if all.len() <= limit {
        return all;
    }
    // A stride coprime with the size visits distinct cases spread over the whole product.
    let n = all.len();
    let mut stride = n / limit + 1;
    while gcd(stride, n) != 1 {
        stride += 1;
    }
    let mut picked: Vec<Case> = (0..limit).map(|k| all[(k * stride) % n].clone()).collect();
    // Then make sure every (agent, operation) pair, every workflow and every context appears.
    for agent in &d.agents {
        for op in &d.ops {
            if !picked.iter().any(|p| &p.agent == agent && &p.op == op) {
                picked.extend(
                    all.iter()
                        .filter(|p| &p.agent == agent && &p.op == op)
                        .step_by(7)
                        .take(4)
                        .cloned(),
                );
            }
        }
    }
    for w in &workflows {
        if !picked.iter().any(|p| &p.workflow == w) {
            picked.extend(all.iter().filter(|p| &p.workflow == w).take(8).cloned());
        }
    }
    let key = |ctx: &Vec<(String, Val)>| format!("{ctx:?}");
    for ctx in &d.contexts {
        if !picked.iter().any(|p| key(&p.context) == key(ctx)) {
            picked.extend(
                all.iter()
                    .filter(|p| key(&p.context) == key(ctx))
                    .step_by(5)
                    .take(8)
                    .cloned(),
            );
        }
    }
    // Every kind of field list: none, empty, and named.
    for kind in [None, Some(true), Some(false)] {
        let is = |p: &Case| p.fields.as_ref().map(|f| f.is_empty()) == kind;
        if !picked.iter().any(is) {
            picked.extend(all.iter().filter(|p| is(p)).take(8).cloned());
        }
    }
    picked
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn run_matrix(c: &mut Compiled, limit: usize) -> usize {
    let cases = matrix(c, limit);
    for case in &cases {
        c.compare(case);
    }
    cases.len()
}

#[test]
fn base_fixture_full_matrix() {
    let mut c = compile(&repo("tests/fixtures/base"));
    let n = run_matrix(&mut c, usize::MAX);
    assert!(n >= 400, "the full product: {n}");
}

#[test]
fn worked_example_sampled_matrix() {
    let mut c = compile(&repo("governance"));
    let n = run_matrix(&mut c, 2500);
    assert!(n >= 2500);
}

fn case(agent: &str, op: &str) -> Case {
    Case {
        agent: agent.into(),
        op: op.into(),
        fields: None,
        workflow: None,
        context: vec![],
    }
}

fn groups(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn worked_example_known_decisions() {
    let mut c = compile(&repo("governance"));
    let send = case("campaign-writer", "email.campaigns.send");
    let d = c.compare(&send);
    assert_eq!(d.effect, Outcome::Approve);
    assert_eq!(d.tier.as_deref(), Some("two-person"));
    assert!(!c.cedar_allows(&send, &None));
    assert!(!c.cedar_allows(
        &send,
        &Some((1, groups(&["marketing-leads", "compliance"])))
    ));
    assert!(!c.cedar_allows(&send, &Some((2, groups(&["marketing-leads"])))));
    assert!(c.cedar_allows(
        &send,
        &Some((2, groups(&["marketing-leads", "compliance"])))
    ));
    let rego = c.rego_decision(
        &send,
        &Some((2, groups(&["marketing-leads", "compliance"]))),
    );
    assert_eq!(rego["effect"], "approve");
    assert_eq!(rego["tier"], "two-person");
    assert_eq!(rego["permit"], true);

    // Drafting is automatic; low confidence asks for a reviewer.
    let create = case("campaign-writer", "email.campaigns.create");
    assert_eq!(c.compare(&create).effect, Outcome::Allow);
    assert!(c.cedar_allows(&create, &None));
    let mut unsure = create.clone();
    unsure.context = vec![("confidence".into(), Val::Num("0.4".into()))];
    let d = c.compare(&unsure);
    assert_eq!(
        (d.effect, d.tier.as_deref()),
        (Outcome::Approve, Some("review"))
    );
    assert!(d.reasons.contains(&"escalation:low-confidence".to_string()));
    assert!(!c.cedar_allows(&unsure, &None));
    assert!(c.cedar_allows(&unsure, &Some((1, groups(&["marketing-reviewers"])))));
    // Exactly at the threshold is not below it.
    unsure.context = vec![("confidence".into(), Val::Num("0.7".into()))];
    assert_eq!(c.compare(&unsure).effect, Outcome::Allow);
    assert!(c.cedar_allows(&unsure, &None));

    // Deleting contacts is prohibited; an unknown agent is not granted anything.
    let delete = case("campaign-writer", "crm.contacts.delete");
    let d = c.compare(&delete);
    assert_eq!(d.effect, Outcome::Deny);
    let rego = c.rego_decision(&delete, &None);
    assert_eq!(rego["effect"], "deny");
    assert_eq!(rego["tier"], Value::Null);
    let stranger = case("no-such-agent", "email.campaigns.create");
    assert_eq!(
        c.rego_decision(&stranger, &None)["reasons"],
        json!(["not-granted"])
    );
    assert!(!c.cedar_allows(&stranger, &None));
}

#[test]
fn worked_example_policies_are_readable() {
    let c = compile(&repo("governance"));
    let text = &c.policies_text;
    assert!(
        text.contains("@id(\"campaign-writer/email.campaigns.send\")"),
        "{text}"
    );
    assert!(text.contains("// campaign-writer: email.campaigns.send in workflow email-campaign, or without a workflow"));
    assert!(text.contains("principal == Agent::\"campaign-writer\""));
    assert!(text.contains("context.confidence.lessThan(decimal(\"0.7\"))"));
    assert!(text.contains(
        "// when the effective tier is exactly two-person: 2 distinct approver(s) covering compliance, marketing-leads"
    ));
}

/// A paused agent and a recommend-only agent, built from the base fixture.
#[test]
fn paused_and_recommend_only_agents() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::common::copy_dir(&repo("tests/fixtures/base"), dir.path());
    let agents = std::fs::read_to_string(dir.path().join("agents.yaml")).expect("read");
    let mut text = agents.clone();
    for (name, mode) in [("sleeper", "paused"), ("advisor", "recommend-only")] {
        text.push_str("---\n");
        text.push_str(
            &agents
                .replace("name: writer", &format!("name: {name}"))
                .replace("mode: autonomous", &format!("mode: {mode}")),
        );
    }
    std::fs::write(dir.path().join("agents.yaml"), text).expect("write");
    let mut c = compile(dir.path());
    assert_eq!(c.plan.agents["sleeper"].mode, Mode::Paused);
    let d = c.compare(&case("sleeper", "mail.campaigns.create"));
    assert_eq!(d.reasons, vec!["agent-paused".to_string()]);
    let d = c.compare(&case("advisor", "mail.campaigns.create"));
    assert_eq!(
        (d.effect, d.reasons.clone()),
        (Outcome::Approve, vec!["recommend-only".to_string()])
    );
    let d = c.compare(&case("advisor", "crm.contacts.read"));
    assert_eq!(d.effect, Outcome::Allow);
    run_matrix(&mut c, 3000);
}

fn analysis_rule_names() -> Vec<&'static str> {
    agentgov::rules::analysis_rules()
        .iter()
        .map(|(i, _)| i.name)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_repositories_agree(seed in any::<u64>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in gen::repository(seed, &analysis_rule_names()) {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let mut c = compile(dir.path());
        run_matrix(&mut c, 400);
    }
}

/// The generator is not vacuous: over a few dozen seeds it produces every feature the decision
/// depends on.
#[test]
fn generator_covers_the_decision() {
    use agentgov::decide::TestPlan;
    let rules = analysis_rule_names();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for seed in 0..48u64 {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in gen::repository(seed, &rules) {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let checked = check(
            dir.path(),
            &CheckOptions {
                load: Default::default(),
                today: today(),
            },
        )
        .expect("readable");
        assert!(
            !checked.has_errors(),
            "seed {seed}: {:#?}",
            checked.diagnostics
        );
        let plan = checked.plan.as_ref().expect("plan");
        for e in &plan.escalations {
            seen.insert(match &e.test {
                TestPlan::Below(n) | TestPlan::Above(n) if format!("{n}").len() > 6 => {
                    "long threshold"
                }
                TestPlan::Below(_) => "below",
                TestPlan::Above(_) => "above",
                TestPlan::In(_) => "in",
                TestPlan::Is(_) => "is",
            });
        }
        for a in plan.agents.values() {
            match a.mode {
                Mode::Paused => seen.insert("paused"),
                Mode::RecommendOnly => seen.insert("recommend-only"),
                Mode::Autonomous => seen.insert("autonomous"),
            };
            for op in a.operations.values() {
                if op.prohibited.is_some() {
                    seen.insert("prohibited");
                }
                if op.recommend_only > 0 {
                    seen.insert("recommend-only non-read");
                }
                if op.workflows.len() >= 2 {
                    seen.insert("several workflows");
                }
                if op.field_sets.len() >= 2 {
                    seen.insert("several grants");
                }
                if op
                    .field_sets
                    .iter()
                    .any(|s| s.len() < op.field_classes.len())
                {
                    seen.insert("field list");
                }
                for c in op.workflows.values().chain([&op.default]) {
                    if !c.data_derives.is_empty() {
                        seen.insert("data derive");
                    }
                    if !c.static_derives.is_empty() {
                        seen.insert("static derive");
                    }
                    if !c.touches.is_empty() {
                        seen.insert("touches");
                    }
                    if c.gate > 0 {
                        seen.insert("gate");
                    }
                }
            }
        }
    }
    for feature in [
        "below",
        "above",
        "in",
        "is",
        "long threshold",
        "paused",
        "recommend-only",
        "autonomous",
        "prohibited",
        "recommend-only non-read",
        "several workflows",
        "several grants",
        "field list",
        "data derive",
        "static derive",
        "touches",
        "gate",
    ] {
        assert!(
            seen.contains(feature),
            "the generator never produced: {feature}"
        );
    }
}

/// The examples of the README's "Enforcing at runtime", through the real engines.
#[test]
fn readme_examples() {
    let mut c = compile(&repo("governance"));
    // Cedar: sending the campaign in its workflow, with and without the two approvals.
    let send = Case {
        workflow: Some("email-campaign".into()),
        ..case("campaign-writer", "email.campaigns.send")
    };
    assert!(!c.cedar_allows(&send, &None));
    assert!(!c.cedar_allows(&send, &Some((2, groups(&["marketing-leads"])))));
    assert!(c.cedar_allows(
        &send,
        &Some((2, groups(&["marketing-leads", "compliance"])))
    ));
    // OPA: a low-confidence draft.
    let draft = Case {
        workflow: Some("email-campaign".into()),
        context: vec![("confidence".into(), Val::Num("0.4".into()))],
        ..case("campaign-writer", "email.campaigns.create")
    };
    assert_eq!(
        c.rego_decision(&draft, &None),
        json!({ "effect": "approve", "tier": "review", "permit": false, "reasons": ["escalation:low-confidence"] })
    );
    assert_eq!(
        c.rego_decision(
            &send,
            &Some((2, groups(&["marketing-leads", "compliance"])))
        ),
        json!({
            "effect": "approve",
            "tier": "two-person",
            "permit": true,
            "reasons": ["gate:email-campaign.send", "derive:0", "derive:1", "derive:4"],
        })
    );
}

/// The input of the contract as JSON, with Cedar's context beside it.
struct Wire {
    rego: Value,
    cedar: serde_json::Map<String, Value>,
}

impl Compiled {
    fn wire(&self, case: &Case, approvals: &Approvals) -> Wire {
        let mut rego = json!({
            "agent": case.agent,
            "operation": case.op,
            "context": case.context.iter().map(|(k, v)| (k.clone(), v.json())).collect::<serde_json::Map<_, _>>(),
        });
        let mut cedar: serde_json::Map<String, Value> = case
            .context
            .iter()
            .map(|(k, v)| (k.clone(), v.cedar()))
            .collect();
        let mut both = |key: &str, value: Value| {
            rego[key] = value.clone();
            cedar.insert(key.into(), value);
        };
        if let Some(w) = &case.workflow {
            both("workflow", json!(w));
        }
        if let Some(f) = &case.fields {
            both("fields", json!(f));
        }
        if let Some((n, g)) = approvals {
            both("approvals", json!({ "count": n, "groups": g }));
        }
        Wire { rego, cedar }
    }

    /// Is the request, as the wire carries it, rejected by the schema or denied by Cedar?
    fn cedar_refuses(&self, case: &Case, context: serde_json::Map<String, Value>) -> bool {
        let action = uid("Action", &case.op);
        let resource = case.op.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
        let Ok(context) =
            Context::from_json_value(Value::Object(context), Some((&self.schema, &action)))
        else {
            return true;
        };
        let Ok(request) = CedarRequest::new(
            uid("Agent", &case.agent),
            action,
            uid("Resource", resource),
            context,
            Some(&self.schema),
        ) else {
            return true;
        };
        let response = Authorizer::new().is_authorized(&request, &self.policies, &self.entities);
        response.decision() == CedarDecision::Deny
    }

    fn rego_eval(&mut self, input: &Value) -> Value {
        self.rego
            .set_input(regorus::Value::from_json_str(&input.to_string()).expect("input"));
        let v = self
            .rego
            .eval_rule("data.agentgov.decision".into())
            .expect("evaluates");
        serde_json::from_str(&v.to_json_str().expect("json")).expect("json")
    }
}

/// Ways to make a well-formed request malformed, each applied to the Rego input and to Cedar's
/// context: `(what, rego edit, cedar edit)`; `None` for Cedar where the wire has no such place.
type Malform = (
    String,
    Box<dyn Fn(&mut Value)>,
    Box<dyn Fn(&mut serde_json::Map<String, Value>)>,
);

fn malformations(facts: &BTreeMap<String, FactType>) -> Vec<Malform> {
    let mut out: Vec<Malform> = Vec::new();
    let set = |key: &'static str, v: Value| -> Malform {
        let (v1, v2) = (v.clone(), v);
        (
            format!("{key}: {v1}"),
            Box::new(move |r: &mut Value| r[key] = v1.clone()),
            Box::new(move |c: &mut serde_json::Map<String, Value>| {
                c.insert(key.into(), v2.clone());
            }),
        )
    };
    for (name, ty) in facts {
        let wrong = match ty {
            FactType::Number => vec![json!("0.5"), json!(true), Value::Null, json!([1])],
            FactType::Bool => vec![json!("true"), json!(1), Value::Null],
            FactType::String => vec![json!(1), json!(false), Value::Null, json!(["a"])],
        };
        for v in wrong {
            // Cedar's JSON reads a string as the decimal it spells (its implicit form, the same
            // number): only a string that spells no decimal is of the wrong type there.
            let cedar = match (ty, &v) {
                (FactType::Number, Value::String(_)) => json!("half"),
                _ => v.clone(),
            };
            let (n1, n2, v1, v2) = (name.clone(), name.clone(), v.clone(), cedar);
            out.push((
                format!("fact {name}: {v}"),
                Box::new(move |r: &mut Value| r["context"][&n1] = v1.clone()),
                Box::new(move |c: &mut serde_json::Map<String, Value>| {
                    c.insert(n2.clone(), v2.clone());
                }),
            ));
        }
    }
    out.push((
        "an undeclared fact".into(),
        Box::new(|r: &mut Value| r["context"]["not_a_fact"] = json!(1)),
        Box::new(|c: &mut serde_json::Map<String, Value>| {
            c.insert("not_a_fact".into(), json!(1));
        }),
    ));
    out.push((
        "an unknown key".into(),
        Box::new(|r: &mut Value| r["principal"] = json!("x")),
        Box::new(|c: &mut serde_json::Map<String, Value>| {
            c.insert("principal".into(), json!("x"));
        }),
    ));
    out.push(set("fields", json!("subject")));
    out.push(set("fields", json!([1])));
    out.push(set("workflow", json!(3)));
    for approvals in [
        json!({ "count": 2 }),
        json!({ "groups": ["compliance"] }),
        json!({ "count": 1.5, "groups": [] }),
        json!({ "count": "2", "groups": [] }),
        json!({ "count": -1, "groups": [] }),
        json!({ "count": 2, "groups": "compliance" }),
        json!({ "count": 2, "groups": [7] }),
        json!({ "count": 2, "groups": [], "people": ["ana"] }),
        json!([2, ["compliance"]]),
    ] {
        out.push(set("approvals", approvals));
    }
    out
}

/// DESIGN §5: a malformed request is denied by every output, even one that would be permitted
/// well-formed. The seeds are permitted requests, so a malformation that were ignored would allow.
#[test]
fn malformed_requests_fail_closed_in_every_engine() {
    for root in ["governance", "tests/fixtures/base"] {
        let mut c = compile(&repo(root));
        let malforms = malformations(&c.facts);
        let mut seeds = 0;
        for case in matrix(&c, 600) {
            let d = c.plan.decide(&case.request());
            let approvals: Approvals = match d.effect {
                Outcome::Deny => continue,
                Outcome::Allow => None,
                Outcome::Approve => {
                    let rank = c.plan.tiers.iter().position(|t| Some(t) == d.tier.as_ref());
                    let need = &c.plan.approvals[rank.expect("a tier")];
                    Some((need.count, need.groups.clone()))
                }
            };
            let req = case.request();
            assert!(c
                .plan
                .permits(&req, approvals.as_ref().map(|(n, g)| (*n, g))));
            seeds += 1;
            let well_formed = c.wire(&case, &approvals);
            assert_eq!(c.rego_eval(&well_formed.rego)["permit"], true, "{case:?}");
            assert!(
                !c.cedar_refuses(&case, well_formed.cedar.clone()),
                "{case:?}"
            );
            for (what, rego_edit, cedar_edit) in &malforms {
                let mut w = c.wire(&case, &approvals);
                rego_edit(&mut w.rego);
                cedar_edit(&mut w.cedar);
                let expected = json!({
                    "effect": "deny", "tier": null, "permit": false, "reasons": ["malformed-request"]
                });
                assert_eq!(c.rego_eval(&w.rego), expected, "Rego on {what}: {}", w.rego);
                assert!(c.cedar_refuses(&case, w.cedar), "Cedar on {what}: {case:?}");
            }
            // decide itself: a mistyped or undeclared fact is `malformed-request`.
            for (name, ty) in &c.facts {
                let mut bad = case.request();
                bad.context.insert(
                    name.clone(),
                    match ty {
                        FactType::Number => FactValue::String("0.5".into()),
                        _ => FactValue::Number(1.0),
                    },
                );
                assert_eq!(c.plan.decide(&bad).reasons, ["malformed-request"]);
                assert!(!c
                    .plan
                    .permits(&bad, approvals.as_ref().map(|(n, g)| (*n, g))));
            }
            if seeds >= 40 {
                break;
            }
        }
        assert!(seeds >= 10, "{root}: too few permitted seeds ({seeds})");
        assert!(
            malforms.len() >= 15,
            "{root}: {} malformations",
            malforms.len()
        );
    }
}
