//! The typed model: what each governance document says, indexed by id.
//!
//! Types are deserialized from documents that passed their schema; [`crate::resolve`] then checks
//! every reference between them and builds the [`Model`].

use crate::load::DocId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct Metadata {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<S> {
    pub metadata: Metadata,
    pub spec: S,
}

// ---------------------------------------------------------------- Policy

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PolicySpec {
    pub tiers: Vec<Tier>,
    pub classifications: Vec<String>,
    #[serde(default)]
    pub derive: Vec<DeriveRule>,
    #[serde(default)]
    pub facts: BTreeMap<String, FactType>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    #[serde(default)]
    pub prohibited: Vec<Prohibition>,
    #[serde(default)]
    pub audit: Option<AuditPolicy>,
    #[serde(default)]
    pub review_cadence: Option<Cadence>,
    #[serde(default)]
    pub sampling: Option<Sampling>,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    pub unwaivable: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Tier {
    pub id: String,
    #[serde(default)]
    pub approvals: Vec<Approval>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Approval {
    pub from: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DeriveRule {
    pub when: DeriveWhen,
    pub require: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct DeriveWhen {
    #[serde(default)]
    pub effect: Option<Effect>,
    #[serde(default)]
    pub reversibility: Option<Reversibility>,
    #[serde(default)]
    pub data_at_least: Option<String>,
    #[serde(default)]
    pub operation: Option<Vec<String>>,
    #[serde(default)]
    pub touches: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FactType {
    Bool,
    Number,
    String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Escalation {
    pub id: String,
    pub when: Condition,
    pub raise_to: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// `{ fact, below | above | in | is }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Condition {
    pub fact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Below(f64),
    Above(f64),
    In(Vec<String>),
    Is(bool),
}

impl Condition {
    pub fn test(&self) -> Test {
        if let Some(n) = self.below {
            Test::Below(n)
        } else if let Some(n) = self.above {
            Test::Above(n)
        } else if let Some(v) = &self.in_ {
            Test::In(v.clone())
        } else {
            Test::Is(self.is.unwrap_or(true))
        }
    }
    /// The fact type this condition needs.
    pub fn fact_type(&self) -> FactType {
        match self.test() {
            Test::Below(_) | Test::Above(_) => FactType::Number,
            Test::In(_) => FactType::String,
            Test::Is(_) => FactType::Bool,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Prohibition {
    pub operation: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuditPolicy {
    #[serde(default)]
    pub retention_days: Option<RetentionBounds>,
    #[serde(default)]
    pub required: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub rejection_reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub struct RetentionBounds {
    pub min: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Weekly,
    Monthly,
    Quarterly,
}

impl Cadence {
    pub fn days(self) -> i64 {
        match self {
            Cadence::Weekly => 7,
            Cadence::Monthly => 31,
            Cadence::Quarterly => 92,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub struct Sampling {
    pub initial_rate: f64,
    #[serde(default)]
    pub initial_days: Option<u64>,
    pub steady_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

// ---------------------------------------------------------------- Team

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TeamSpec {
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub github: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GroupSpec {
    pub id: String,
    pub members: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

// ---------------------------------------------------------------- Connector

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ConnectorSpec {
    pub system: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The MCP server exposing the connector's tools (DESIGN §6).
    #[serde(default)]
    pub mcp: Option<McpServer>,
    pub resources: BTreeMap<String, ResourceSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct McpServer {
    pub server: String,
    /// The committed `tools/list` result, relative to the repository root.
    #[serde(default)]
    pub tools: Option<String>,
    /// Tools deliberately left unbound (always denied).
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// A tool that performs an operation: its name, or the name with the arguments that select the
/// operation and where the touched fields are in the arguments.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ToolBinding {
    Name(String),
    Detailed {
        name: String,
        #[serde(default)]
        args: BTreeMap<String, serde_json::Value>,
        #[serde(default)]
        fields: Option<String>,
    },
}

impl ToolBinding {
    pub fn name(&self) -> &str {
        match self {
            ToolBinding::Name(n) | ToolBinding::Detailed { name: n, .. } => n,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ResourceSpec {
    pub classification: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    pub operations: BTreeMap<String, OperationSpec>,
    #[serde(default)]
    pub syncs_to: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Internal,
    External,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reversibility {
    Reversible,
    Compensable,
    Irreversible,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Internal => "internal",
            Effect::External => "external",
        }
    }
}

impl Reversibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Reversibility::Reversible => "reversible",
            Reversibility::Compensable => "compensable",
            Reversibility::Irreversible => "irreversible",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OperationSpec {
    pub effect: Effect,
    pub reversibility: Reversibility,
    #[serde(default)]
    pub compensation: Option<String>,
    #[serde(default)]
    pub history: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    /// The MCP tools that perform the operation (DESIGN §6).
    #[serde(default)]
    pub tools: Vec<ToolBinding>,
}

// ---------------------------------------------------------------- Agent

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AgentSpec {
    pub owners: Owners,
    pub model: ModelRef,
    #[serde(default)]
    pub prompt: Option<PromptRef>,
    pub mode: Mode,
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub delegates_to: Vec<String>,
    #[serde(default)]
    pub rollout: Option<Rollout>,
    #[serde(default)]
    pub review: Option<Review>,
    #[serde(default)]
    pub monitors: Vec<Monitor>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Owners {
    pub business: String,
    pub technical: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ModelRef {
    pub provider: String,
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PromptRef {
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Autonomous,
    RecommendOnly,
    Paused,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Autonomous => "autonomous",
            Mode::RecommendOnly => "recommend-only",
            Mode::Paused => "paused",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Grant {
    pub resource: String,
    pub operations: Vec<String>,
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Pilot,
    Sampling,
    Stable,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Pilot => "pilot",
            Stage::Sampling => "sampling",
            Stage::Stable => "stable",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Rollout {
    pub stage: Stage,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub sample_rate: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Review {
    #[serde(default)]
    pub cadence: Option<Cadence>,
    #[serde(default)]
    pub last_reviewed: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    FailedActions,
    RejectionRate,
    RejectionRateIncrease,
    RestrictedFieldAccess,
    Corrections,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FailedActions => "failed_actions",
            Metric::RejectionRate => "rejection_rate",
            Metric::RejectionRateIncrease => "rejection_rate_increase",
            Metric::RestrictedFieldAccess => "restricted_field_access",
            Metric::Corrections => "corrections",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    RecommendOnly,
    Pause,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::RecommendOnly => "recommend-only",
            Response::Pause => "pause",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Monitor {
    pub metric: Metric,
    pub window: String,
    pub above: f64,
    #[serde(default)]
    pub then: Option<Response>,
    #[serde(default)]
    pub playbook: Option<String>,
}

// ---------------------------------------------------------------- Workflow

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WorkflowSpec {
    pub use_case: String,
    #[serde(default)]
    pub risk: Option<Risk>,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub audit: Vec<String>,
    #[serde(default)]
    pub rollback: Option<Rollback>,
    #[serde(default)]
    pub retention_days: Option<u64>,
    #[serde(default)]
    pub playbooks: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct Risk {
    #[serde(default)]
    pub data_sensitivity: Option<String>,
    #[serde(default)]
    pub external_impact: Option<String>,
    #[serde(default)]
    pub regulatory_exposure: Option<String>,
    #[serde(default)]
    pub rollback_difficulty: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Step {
    pub id: String,
    pub agent: String,
    pub does: OpId,
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    pub gate: String,
    #[serde(default)]
    pub touches: Vec<String>,
    #[serde(default)]
    pub checklist: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Rollback {
    pub strategy: String,
    pub owner: String,
    #[serde(default)]
    pub within_minutes: Option<u64>,
}

// ---------------------------------------------------------------- Playbook

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PlaybookSpec {
    pub failure_mode: String,
    pub owner: String,
    #[serde(default)]
    pub can_pause: Vec<String>,
    pub containment: String,
    pub rollback: String,
    #[serde(default)]
    pub customer_communication: Option<CustomerCommunication>,
    pub postmortem: String,
    #[serde(default)]
    pub detection: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CustomerCommunication {
    pub when: String,
    pub owner: String,
}

// ---------------------------------------------------------------- PolicyTest

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PolicyTestSpec {
    pub cases: Vec<TestCase>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TestCase {
    pub name: String,
    pub agent: String,
    pub does: OpId,
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub context: BTreeMap<String, serde_json::Value>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Expect {
    Simple(SimpleExpect),
    Approve { approve: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SimpleExpect {
    Allow,
    Deny,
}

// ---------------------------------------------------------------- Waiver

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WaiverSpec {
    pub rule: String,
    pub target: String,
    #[serde(default)]
    pub justification: Option<String>,
    pub approved_by: String,
    pub expires: NaiveDate,
}

/// A document deserialized by its kind, after it passed its schema.
#[derive(Debug, Clone)]
pub enum TypedDoc {
    Policy(Envelope<PolicySpec>),
    Team(Envelope<TeamSpec>),
    Connector(Envelope<ConnectorSpec>),
    Agent(Envelope<AgentSpec>),
    Workflow(Envelope<WorkflowSpec>),
    Playbook(Envelope<PlaybookSpec>),
    PolicyTest(Envelope<PolicyTestSpec>),
    Waiver(Envelope<WaiverSpec>),
}

impl TypedDoc {
    pub fn from_json(
        kind: crate::load::Kind,
        v: serde_json::Value,
    ) -> Result<TypedDoc, serde_json::Error> {
        use crate::load::Kind;
        Ok(match kind {
            Kind::Policy => TypedDoc::Policy(serde_json::from_value(v)?),
            Kind::Team => TypedDoc::Team(serde_json::from_value(v)?),
            Kind::Connector => TypedDoc::Connector(serde_json::from_value(v)?),
            Kind::Agent => TypedDoc::Agent(serde_json::from_value(v)?),
            Kind::Workflow => TypedDoc::Workflow(serde_json::from_value(v)?),
            Kind::Playbook => TypedDoc::Playbook(serde_json::from_value(v)?),
            Kind::PolicyTest => TypedDoc::PolicyTest(serde_json::from_value(v)?),
            Kind::Waiver => TypedDoc::Waiver(serde_json::from_value(v)?),
        })
    }
}

// ---------------------------------------------------------------- The resolved model

/// A document's content with its id and where it came from.
#[derive(Debug, Clone)]
pub struct Item<S> {
    pub name: String,
    pub doc: DocId,
    pub metadata: Metadata,
    pub spec: S,
}

pub type Agent = Item<AgentSpec>;
pub type Connector = Item<ConnectorSpec>;
pub type Workflow = Item<WorkflowSpec>;
pub type Playbook = Item<PlaybookSpec>;
pub type PolicyTest = Item<PolicyTestSpec>;
pub type Waiver = Item<WaiverSpec>;
pub type Policy = Item<PolicySpec>;

/// Where a person or group is defined: the Team document and the index in its list.
#[derive(Debug, Clone)]
pub struct PersonEntry {
    pub person: Person,
    pub doc: DocId,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct GroupEntry {
    pub id: String,
    pub members: Vec<String>,
    pub description: Option<String>,
    pub doc: DocId,
    pub index: usize,
}

/// A concrete operation `connector.resource.operation`; read and written as that string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId {
    pub connector: String,
    pub resource: String,
    pub operation: String,
}

impl OpId {
    pub fn parse(s: &str) -> Option<OpId> {
        let mut it = s.split('.');
        let (c, r, o) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || c.is_empty() || r.is_empty() || o.is_empty() {
            return None;
        }
        Some(OpId {
            connector: c.into(),
            resource: r.into(),
            operation: o.into(),
        })
    }
    pub fn resource_id(&self) -> String {
        format!("{}.{}", self.connector, self.resource)
    }
}

impl Serialize for OpId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OpId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OpId::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not an operation reference `CONNECTOR.RESOURCE.OPERATION`"
            ))
        })
    }
}

impl std::fmt::Display for OpId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.connector, self.resource, self.operation)
    }
}

/// Does a pattern segment (`*` or a name) match a name?
pub fn segment_matches(pattern: &str, name: &str) -> bool {
    pattern == "*" || pattern == name
}

/// Does a `*`-pattern `a.b.c` match an operation?
pub fn op_pattern_matches(pattern: &str, op: &OpId) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == 3
        && segment_matches(parts[0], &op.connector)
        && segment_matches(parts[1], &op.resource)
        && segment_matches(parts[2], &op.operation)
}

/// Does a `*`-pattern `a.b` match a resource?
pub fn resource_pattern_matches(pattern: &str, connector: &str, resource: &str) -> bool {
    let mut parts = pattern.split('.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(r), None) => segment_matches(c, connector) && segment_matches(r, resource),
        _ => false,
    }
}

/// The whole repository, resolved: every reference in it points at something that exists.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub policy: Option<Policy>,
    pub people: BTreeMap<String, PersonEntry>,
    pub groups: BTreeMap<String, GroupEntry>,
    pub connectors: BTreeMap<String, Connector>,
    pub agents: BTreeMap<String, Agent>,
    pub workflows: BTreeMap<String, Workflow>,
    pub playbooks: BTreeMap<String, Playbook>,
    pub tests: Vec<PolicyTest>,
    pub waivers: Vec<Waiver>,
    /// Team documents (for CODEOWNERS and the site).
    pub team_docs: Vec<DocId>,
    /// Each Connector's MCP tools snapshot, by connector (DESIGN §6).
    pub tool_snapshots: BTreeMap<String, crate::bindings::ToolSnapshot>,
}

impl Model {
    /// The (agent, operation) pairs some workflow step performs.
    pub fn performed_steps(&self) -> std::collections::HashSet<(&str, &OpId)> {
        self.workflows
            .values()
            .flat_map(|w| w.spec.steps.iter().map(|s| (s.agent.as_str(), &s.does)))
            .collect()
    }

    pub fn policy(&self) -> &PolicySpec {
        &self
            .policy
            .as_ref()
            .expect("analysis runs only on a model with a Policy")
            .spec
    }

    pub fn tier_rank(&self, tier: &str) -> Option<usize> {
        self.policy().tiers.iter().position(|t| t.id == tier)
    }

    pub fn tier_name(&self, rank: usize) -> &str {
        &self.policy().tiers[rank].id
    }

    pub fn class_rank(&self, class: &str) -> Option<usize> {
        self.policy()
            .classifications
            .iter()
            .position(|c| c == class)
    }

    pub fn resource(&self, connector: &str, resource: &str) -> Option<&ResourceSpec> {
        self.connectors.get(connector)?.spec.resources.get(resource)
    }

    /// The resources a `connector.resource` grant pattern covers, in name order: a lookup per
    /// named segment, a scan only for `*` (so that matching every grant stays linear).
    pub fn resources_matching(&self, pattern: &str) -> Vec<(&str, &str, &ResourceSpec)> {
        let mut parts = pattern.split('.');
        let (Some(c), Some(r), None) = (parts.next(), parts.next(), parts.next()) else {
            return Vec::new();
        };
        let connectors: Vec<(&String, &Connector)> = if c == "*" {
            self.connectors.iter().collect()
        } else {
            self.connectors.get_key_value(c).into_iter().collect()
        };
        let mut out = Vec::new();
        for (cn, conn) in connectors {
            if r == "*" {
                out.extend(
                    conn.spec
                        .resources
                        .iter()
                        .map(|(rn, rs)| (cn.as_str(), rn.as_str(), rs)),
                );
            } else if let Some((rn, rs)) = conn.spec.resources.get_key_value(r) {
                out.push((cn.as_str(), rn.as_str(), rs));
            }
        }
        out
    }

    pub fn operation(&self, op: &OpId) -> Option<&OperationSpec> {
        self.resource(&op.connector, &op.resource)?
            .operations
            .get(&op.operation)
    }

    /// Every concrete operation defined by the connectors, in order.
    pub fn all_operations(&self) -> impl Iterator<Item = (OpId, &OperationSpec)> {
        self.connectors.iter().flat_map(|(c, conn)| {
            conn.spec.resources.iter().flat_map(move |(r, res)| {
                res.operations.iter().map(move |(o, spec)| {
                    (
                        OpId {
                            connector: c.clone(),
                            resource: r.clone(),
                            operation: o.clone(),
                        },
                        spec,
                    )
                })
            })
        })
    }

    /// Groups a person belongs to.
    pub fn groups_of<'a>(&'a self, person: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.groups
            .values()
            .filter(move |g| g.members.iter().any(|m| m == person))
            .map(|g| g.id.as_str())
    }
}
