//! The receiver's section of a whole collector config, resolved by the
//! runtime as the collector resolves it: `$$` is a literal `$` (as Go's
//! confmap makes it), so `$$1` in a relabel replacement reaches
//! Prometheus' relabeling as `$1`, and `${env:...}` works inside `config`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;

use otelcol_component::ComponentConfig;
use otelcol_receiver_prometheus::PrometheusReceiverConfig;
use otelcol_service::{ConfigSource, Resolved};

const CONFIG: &str = r#"
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: node
          basic_auth: {username: admin, password: '${env:SCRAPE_PASSWORD}'}
          static_configs: [{targets: ['host:9100']}]
          relabel_configs:
            - source_labels: [__address__]
              regex: '(.*):\d+'
              target_label: host
              replacement: '$$1'
exporters:
  debug:
service:
  pipelines:
    metrics:
      receivers: [prometheus]
      exporters: [debug]
"#;

#[test]
fn dollar_dollar_reaches_relabeling_as_one_dollar() {
    let env: HashMap<String, String> = [("SCRAPE_PASSWORD".to_string(), "pa$$word".to_string())].into();
    let source = ConfigSource::Inline {
        name: "test.yaml".into(),
        yaml: CONFIG.into(),
    };
    let resolved = Resolved::resolve(&[source], &[], &env).unwrap();
    let cfg: PrometheusReceiverConfig = resolved.extract_component("receivers", "prometheus").unwrap();
    cfg.validate().unwrap();
    let sc = &cfg.config.scrape_configs[0];
    assert_eq!(sc.relabel_configs[0].replacement, "$1");
    assert_eq!(sc.relabel_configs[0].regex, r"(.*):\d+");
    // An expanded value is not expanded again.
    assert_eq!(sc.basic_auth.as_ref().unwrap().password, "pa$$word");
}
