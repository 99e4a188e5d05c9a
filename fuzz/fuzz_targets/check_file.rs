//! The whole check of one arbitrary file `x.yaml`, beside a valid base Policy and Team.
#![no_main]

use agentgov::analysis::{check, CheckOptions};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = "apiVersion: agentgov.dev/v1
kind: Policy
metadata: { name: base }
spec:
  tiers:
    - id: auto
    - id: review
      approvals: [{ from: reviewers }]
    - id: two-person
      approvals: [{ from: leads }, { from: compliance }]
  classifications: [public, internal, personal, sensitive]
  derive:
    - when: { effect: external }
      require: review
    - when: { reversibility: irreversible }
      require: two-person
  facts: { confidence: number }
  escalations:
    - id: low-confidence
      when: { fact: confidence, below: 0.7 }
      raise_to: review
  prohibited:
    - operation: \"*.*.delete\"
      reason: never
  audit:
    retention_days: { min: 30, max: 90 }
    required: { auto: [prompt], review: [reviewer], two-person: [approval_timestamps] }
  sampling: { initial_rate: 1.0, initial_days: 14, steady_rate: 0.2 }
";

const TEAM: &str = "apiVersion: agentgov.dev/v1
kind: Team
metadata: { name: base }
spec:
  people:
    - { id: ann, name: Ann, email: ann@example.com }
    - { id: bob, name: Bob, email: bob@example.com }
    - { id: cat, name: Cat, email: cat@example.com }
  groups:
    - { id: reviewers, members: [ann, bob] }
    - { id: leads, members: [ann] }
    - { id: compliance, members: [cat] }
";

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.yaml"), POLICY).unwrap();
    std::fs::write(dir.path().join("team.yaml"), TEAM).unwrap();
    std::fs::write(dir.path().join("x.yaml"), data).unwrap();
    let opts = CheckOptions {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        ..CheckOptions::default()
    };
    let _ = check(dir.path(), &opts);
});
