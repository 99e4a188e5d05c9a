//! Diagnostics of the load, schema and resolve phases: documented here, emitted by those phases.
crate::declare_rule! {
    /// ## What it finds
    /// A YAML file could not be parsed: bad indentation, an unclosed quote or bracket, a tab used for indentation, or a map or list used as a key.
    ///
    /// Only files that are agentgov's are reported: a file that names `agentgov.dev/`, has a `kind:` line with one of agentgov's kinds, holds one of its documents, or is not text. Other YAML in the repository that does not parse (a Helm template) is ignored, and `--verbose` says so.
    ///
    /// ## Why it matters
    /// Nothing in a file that does not parse can be checked or enforced; the rest of the repository is still checked.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   owners: { business: maya
    ///   mode: autonomous
    /// ```
    ///
    /// ## How to fix
    /// Fix the syntax at the position shown. `yamllint` or an editor with yaml-language-server helps.
    pub YAML_SYNTAX = { name: "yaml-syntax", group: "structure", severity: Error, summary: "a file is not valid YAML" }
}

crate::declare_rule! {
    /// ## What it finds
    /// The same key is written twice in one mapping of an agentgov document (documents of other tools are not checked).
    ///
    /// ## Why it matters
    /// YAML parsers silently keep one of the two values, so what a reviewer reads may not be what is enforced.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   mode: autonomous
    ///   mode: paused
    /// ```
    ///
    /// ## How to fix
    /// Remove one of the two keys.
    pub DUPLICATE_KEY = { name: "duplicate-key", group: "structure", severity: Error, summary: "a key appears twice in one mapping" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A file is larger than `--max-file-size` (8 MiB by default), nests deeper than `--max-depth` (64), expands YAML aliases into more than `--max-alias-nodes` (100,000) nodes, or holds more than 1,000 documents.
    ///
    /// ## Why it matters
    /// agentgov reads untrusted pull requests; these limits keep a hostile file (an alias bomb, a 50 MB file) from stalling CI. Exit code 2.
    ///
    /// ## Example
    /// ```yaml
    /// a: &a [x, x, x, x, x, x, x, x, x]
    /// b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    /// c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    /// ```
    ///
    /// ## How to fix
    /// Split or simplify the file, or raise the limit with the flag named in the message.
    pub INPUT_LIMIT = { name: "input-limit", group: "structure", severity: Error, summary: "a file exceeds a safety limit (size, nesting depth, alias expansion, document count)" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A file or folder could not be read (permissions, a broken symbolic link).
    ///
    /// ## Why it matters
    /// A governance file that cannot be read is a policy that cannot be checked. Exit code 2.
    ///
    /// ## Example
    /// ```yaml
    /// agents/writer.yaml -> /missing/target.yaml   (a broken link)
    /// ```
    ///
    /// ## How to fix
    /// Fix the permissions or remove the broken link.
    pub UNREADABLE_FILE = { name: "unreadable-file", group: "structure", severity: Error, summary: "a file cannot be read" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A `.yaml`/`.yml` file contains bytes that are not UTF-8.
    ///
    /// ## Why it matters
    /// YAML is UTF-8 text; a binary or mis-encoded file cannot be read. Exit code 2.
    ///
    /// ## Example
    /// ```yaml
    /// a Latin-1 `café` saved as bytes 63 61 66 e9
    /// ```
    ///
    /// ## How to fix
    /// Save the file as UTF-8, or give binary files another extension.
    pub INVALID_ENCODING = { name: "invalid-encoding", group: "structure", severity: Error, summary: "a file is not UTF-8" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A `.yaml`/`.yml` file holds nothing but whitespace.
    ///
    /// ## Why it matters
    /// An empty file in a governance folder is usually a mistake: a document that was meant to be there is missing.
    ///
    /// ## Example
    /// ```yaml
    /// agents/new-agent.yaml   (0 bytes)
    /// ```
    ///
    /// ## How to fix
    /// Add the document or delete the file.
    pub EMPTY_FILE = { name: "empty-file", group: "structure", severity: Warning, summary: "a YAML file is empty" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A symbolic link under the checked folder points outside it, or back to one of its parents.
    ///
    /// ## Why it matters
    /// agentgov never reads outside the repository it checks: a link must not smuggle in files a reviewer cannot see in the pull request.
    ///
    /// ## Example
    /// ```yaml
    /// agents/shared.yaml -> ../../other-repo/agent.yaml
    /// ```
    ///
    /// ## How to fix
    /// Copy the file into the repository, or remove the link.
    pub LINK_OUTSIDE = { name: "link-outside-repository", group: "structure", severity: Warning, summary: "a symbolic link points outside the repository, or loops" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A document has one of agentgov's kinds (`Agent`, `Policy`, ...) and a `spec`, but its `apiVersion` is not `agentgov.dev/...`, so it is ignored.
    ///
    /// ## Why it matters
    /// It is probably an agentgov document with a typo in `apiVersion`, and ignoring it silently would drop a policy.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: agentgov.io/v1
    /// kind: Agent
    /// ```
    ///
    /// ## How to fix
    /// Set `apiVersion: agentgov.dev/v1`.
    pub FOREIGN_API = { name: "foreign-api-version", group: "structure", severity: Warning, summary: "a document with an agentgov kind but another apiVersion" }
}

crate::declare_rule! {
    /// ## What it finds
    /// The document's `apiVersion` starts with `agentgov.dev/` but is not `agentgov.dev/v1`.
    ///
    /// ## Why it matters
    /// A document written for another version of the format could be misread.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: agentgov.dev/v2
    /// ```
    ///
    /// ## How to fix
    /// Use `agentgov.dev/v1`, or upgrade agentgov.
    pub UNSUPPORTED_API = { name: "unsupported-api-version", group: "structure", severity: Error, summary: "an agentgov apiVersion this version does not read" }
}

crate::declare_rule! {
    /// ## What it finds
    /// The document's `kind` is not one of Policy, Team, Connector, Agent, Workflow, Playbook, PolicyTest, Waiver.
    ///
    /// ## Why it matters
    /// The document would otherwise be ignored.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: agentgov.dev/v1
    /// kind: Agnet
    /// ```
    ///
    /// ## How to fix
    /// Fix the kind; the help names the closest one.
    pub UNKNOWN_KIND = { name: "unknown-kind", group: "structure", severity: Error, summary: "an agentgov document with an unknown kind" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A mapping has a key that its kind's JSON Schema does not define.
    ///
    /// ## Why it matters
    /// A misspelled field is silently ignored by most tools: `aprovals` would leave a tier with no approvers.
    ///
    /// ## Example
    /// ```yaml
    /// tiers:
    ///   - id: review
    ///     aprovals: [{ from: reviewers }]
    /// ```
    ///
    /// ## How to fix
    /// Rename the key to the valid field the help suggests, or remove it.
    pub UNKNOWN_FIELD = { name: "unknown-field", group: "structure", severity: Error, summary: "a field the schema does not define" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A field the schema requires is absent.
    ///
    /// ## Why it matters
    /// Required fields carry the governance: an agent without owners or a step without a gate cannot be judged.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Agent
    /// spec:
    ///   mode: autonomous   # no owners, model or grants
    /// ```
    ///
    /// ## How to fix
    /// Add the field named in the message.
    pub MISSING_FIELD = { name: "missing-field", group: "structure", severity: Error, summary: "a required field is missing" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A value has the wrong type: a string where a list is expected, a number where a mapping is expected.
    ///
    /// ## Why it matters
    /// The value cannot mean what the author intended.
    ///
    /// ## Example
    /// ```yaml
    /// grants:
    ///   - resource: crm.contacts
    ///     operations: read    # must be a list
    /// ```
    ///
    /// ## How to fix
    /// Write the value in the expected form: the message says which.
    pub INVALID_TYPE = { name: "invalid-type", group: "structure", severity: Error, summary: "a value of the wrong type" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A value is not one of the allowed words, does not match the expected form (ids, references, dates, windows), or is out of range.
    ///
    /// ## Why it matters
    /// Misspelled enums and malformed ids change what is enforced.
    ///
    /// ## Example
    /// ```yaml
    /// mode: autonomus
    /// rollout: { stage: pilot, since: 2026-13-01, sample_rate: 1.5 }
    /// ```
    ///
    /// ## How to fix
    /// Use a value the message and help allow.
    pub INVALID_VALUE = { name: "invalid-value", group: "structure", severity: Error, summary: "a value outside what the schema allows" }
}

crate::declare_rule! {
    /// ## What it finds
    /// Two documents of the same kind have the same `metadata.name`, or two people, groups, tiers, escalations or steps share an id.
    ///
    /// ## Why it matters
    /// References to that id become ambiguous; one definition silently shadows the other.
    ///
    /// ## Example
    /// ```yaml
    /// # agents/a.yaml and agents/b.yaml both say
    /// metadata: { name: writer }
    /// ```
    ///
    /// ## How to fix
    /// Rename one of the two; both places are shown.
    pub DUPLICATE_ID = { name: "duplicate-id", group: "structure", severity: Error, summary: "two definitions with the same id" }
}

crate::declare_rule! {
    /// ## What it finds
    /// The repository has more than one `Policy` document.
    ///
    /// ## Why it matters
    /// Exactly one Policy defines tiers, classifications and rules; two would contradict each other.
    ///
    /// ## Example
    /// ```yaml
    /// policy.yaml and policy-old.yaml both have kind: Policy
    /// ```
    ///
    /// ## How to fix
    /// Merge them into one.
    pub DUPLICATE_POLICY = { name: "duplicate-policy", group: "structure", severity: Error, summary: "more than one Policy document" }
}

crate::declare_rule! {
    /// ## What it finds
    /// The repository has no `Policy` document.
    ///
    /// ## Why it matters
    /// Without a Policy there are no tiers, classifications or rules to check against.
    ///
    /// ## Example
    /// ```yaml
    /// a folder with agents and connectors only
    /// ```
    ///
    /// ## How to fix
    /// Add a Policy (`agentgov init` writes a starting point).
    pub MISSING_POLICY = { name: "missing-policy", group: "structure", severity: Error, summary: "no Policy document" }
}

crate::declare_rule! {
    /// ## What it finds
    /// An id refers to a person, group, agent, resource, operation, field, tier, fact, playbook, workflow or rule that is not defined.
    ///
    /// ## Why it matters
    /// Default deny makes a dangling reference fail closed at runtime, but in review it hides what was meant: usually a typo.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - { id: send, agent: campaign-writer, does: email.campaign.send, gate: two-person }
    /// ```
    ///
    /// ## How to fix
    /// Fix the id; the help names the closest existing one.
    pub UNKNOWN_REFERENCE = { name: "unknown-reference", group: "structure", severity: Error, summary: "a reference to something that does not exist" }
}

crate::declare_rule! {
    /// ## What it finds
    /// An agent's business or technical owner, a rollback owner, a playbook owner or a communication owner is not a person of a Team (a group, or nobody).
    ///
    /// ## Why it matters
    /// Accountability needs one named person: a group owns nothing, and an unknown id means no one is on the hook.
    ///
    /// ## Example
    /// ```yaml
    /// owners: { business: marketing-leads, technical: dev }
    /// ```
    ///
    /// ## How to fix
    /// Name one person of a Team document.
    pub UNKNOWN_OWNER = { name: "unknown-owner", group: "structure", severity: Error, summary: "an owner that is not a known person" }
}

crate::declare_rule! {
    /// ## What it finds
    /// An agent's `prompt.path` is absolute, contains `..`, or resolves through a link to a file outside the repository.
    ///
    /// ## Why it matters
    /// The prompt is part of what is reviewed and hashed; a file outside the repository changes without review.
    ///
    /// ## Example
    /// ```yaml
    /// prompt: { path: ../../secrets/prompt.md }
    /// ```
    ///
    /// ## How to fix
    /// Keep the prompt in the repository and give its path relative to the repository root.
    pub PATH_ESCAPE = { name: "path-escape", group: "structure", severity: Error, summary: "a prompt path that leaves the repository" }
}

crate::declare_rule! {
    /// ## What it finds
    /// An agent's `prompt.path` names no file. Paths are relative to the repository root (the folder given to `agentgov`).
    ///
    /// ## Why it matters
    /// A missing prompt cannot be reviewed, hashed or revalidated.
    ///
    /// ## Example
    /// ```yaml
    /// prompt: { path: prompts/writer.md }   # but the file is prompts/campaign-writer.md
    /// ```
    ///
    /// ## How to fix
    /// Fix the path or add the file.
    pub PROMPT_NOT_FOUND = { name: "prompt-not-found", group: "structure", severity: Error, summary: "a prompt file that does not exist" }
}

crate::declare_rule! {
    /// ## What it finds
    /// A PolicyTest case whose expected decision (`allow`, `deny` or `{ approve: TIER }`) differs from what the policy decides. Reported by `agentgov test`.
    ///
    /// ## Why it matters
    /// PolicyTests pin down what the governance files mean; a failing case means a change altered a decision the team relied on.
    ///
    /// ## Example
    /// ```yaml
    /// - { name: sending needs two people, agent: campaign-writer, does: email.campaigns.send, expect: { approve: two-person } }
    /// ```
    ///
    /// ## How to fix
    /// Read the actual decision and its reasons (`agentgov why AGENT OPERATION`), then fix the governance files or the expectation.
    pub TEST_FAILED = { name: "test-failed", group: "tests", severity: Error, summary: "a PolicyTest case whose expectation does not hold" }
}
