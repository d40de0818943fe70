//! The agent → Kafka → gateway example of `deploy/kafka/` and
//! `deploy/k8s/kafka/`, checked without a Docker engine, a cluster or a
//! broker: the ConfigMaps carry the config files byte for byte, the compose
//! services, mounts and environment agree with the configs and the broker,
//! the manifests pass the Kubernetes schema validator, and `otelcol-rs
//! validate` accepts every config.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use otelcol_integration_tests::yaml::*;
use otelcol_integration_tests::*;

/// The Kafka topics of the exporter's and receiver's defaults.
const TOPICS: [&str; 3] = ["otlp_spans", "otlp_metrics", "otlp_logs"];

/// (manifest under deploy/k8s/kafka, workload kind, config under deploy/kafka).
const MANIFESTS: [(&str, &str, &str); 2] = [
    ("agent-daemonset.yaml", "DaemonSet", "agent.yaml"),
    ("gateway-deployment.yaml", "Deployment", "gateway.yaml"),
];

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn kafka_dir() -> PathBuf {
    deploy_dir().join("kafka")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The k8s documents of deploy/k8s/kafka/`file`, by kind.
fn k8s(file: &str) -> BTreeMap<String, Yaml> {
    let mut out = BTreeMap::new();
    for d in documents(&deploy_dir().join("k8s/kafka").join(file)) {
        for key in ["apiVersion", "kind", "metadata/name"] {
            assert!(y(&d, key).is_string(), "{file}: every document has {key}: {d:?}");
        }
        assert!(
            out.insert(text(&d, "kind"), d).is_none(),
            "{file}: one document of each kind"
        );
    }
    out
}

/// A config of deploy/kafka, parsed.
fn config(file: &str) -> Yaml {
    serde_yaml::from_str(&read(&kafka_dir().join(file))).unwrap()
}

/// The `NAME`s of the `${env:NAME}` references of a config's text.
fn env_refs(config: &str) -> BTreeSet<String> {
    config
        .split("${env:")
        .skip(1)
        .map(|rest| {
            let end = rest.find(['}', ':']).unwrap();
            rest[..end].to_string()
        })
        .collect()
}

/// The port of a `host:port` endpoint.
fn port(endpoint: &str) -> String {
    endpoint.rsplit(':').next().unwrap().to_string()
}

#[test]
fn the_configs_wire_agent_kafka_and_gateway_together() {
    let agent = config("agent.yaml");
    let gateway = config("gateway.yaml");
    let kafka_out = y(&agent, "exporters/kafka");
    let kafka_in = y(&gateway, "receivers/kafka");
    assert_eq!(strings(kafka_out, "brokers"), ["${env:KAFKA_BROKERS}"]);
    assert_eq!(strings(kafka_in, "brokers"), ["${env:KAFKA_BROKERS}"]);
    // Both sides keep the default topics and encoding, so they agree.
    for key in ["topic", "encoding", "traces", "metrics", "logs"] {
        assert!(kafka_out[key].is_null(), "agent: {key} is the default");
        assert!(kafka_in[key].is_null(), "gateway: {key} is the default");
    }
    for key in [
        "partition_traces_by_id",
        "partition_metrics_by_resource_attributes",
        "partition_logs_by_resource_attributes",
    ] {
        assert_eq!(kafka_out[key].as_bool(), Some(true), "agent: {key}");
    }
    assert_eq!(text(kafka_out, "producer/required_acks"), "-1");
    assert_eq!(text(kafka_out, "producer/compression"), "zstd");
    // The persistent queue names the file_storage extension the service runs.
    let storage = text(kafka_out, "sending_queue/storage");
    assert!(
        agent["extensions"][storage.as_str()].is_mapping(),
        "{storage} is configured"
    );
    assert!(
        strings(&agent, "service/extensions").contains(&storage),
        "{storage} is started"
    );
    assert_eq!(
        text(&agent, "extensions/file_storage/directory"),
        "/var/lib/otelcol/queue"
    );

    assert_eq!(text(kafka_in, "group_id"), "otelcol-gateway");
    assert_eq!(text(kafka_in, "initial_offset"), "earliest");
    assert_eq!(text(kafka_in, "message_marking/after"), "true");
    assert_eq!(text(kafka_in, "message_marking/on_error"), "false");
    assert_eq!(text(kafka_in, "autocommit/enable"), "true");
    // "Accepted" means "delivered": no in-memory queue acknowledges early.
    assert_eq!(
        text(&gateway, "exporters/otlp_grpc/sending_queue/enabled"),
        "false"
    );
    assert_eq!(
        text(&gateway, "exporters/otlp_grpc/endpoint"),
        "${env:BACKEND_OTLP_ENDPOINT}"
    );

    for (name, cfg, receiver, exporter) in [
        ("agent", &agent, "otlp", "kafka"),
        ("gateway", &gateway, "kafka", "otlp_grpc"),
    ] {
        for signal in ["traces", "metrics", "logs"] {
            let p = y(cfg, &format!("service/pipelines/{signal}"));
            assert_eq!(strings(p, "receivers"), [receiver], "{name} {signal}");
            assert_eq!(
                strings(p, "processors"),
                ["memory_limiter", "batch"],
                "{name} {signal}"
            );
            assert_eq!(strings(p, "exporters"), [exporter], "{name} {signal}");
        }
        let health = text(cfg, "extensions/health_check/endpoint");
        assert_eq!(health, "0.0.0.0:13133", "{name}");
        assert!(
            strings(cfg, "service/extensions").contains(&"health_check".to_string()),
            "{name}"
        );
        for (key, want) in [
            ("check_interval", "1s"),
            ("limit_percentage", "80"),
            ("spike_limit_percentage", "25"),
        ] {
            assert_eq!(
                text(cfg, &format!("processors/memory_limiter/{key}")),
                want,
                "{name}"
            );
        }
    }
    assert_eq!(
        text(&agent, "receivers/otlp/protocols/grpc/endpoint"),
        "0.0.0.0:4317"
    );
    assert_eq!(
        text(&agent, "receivers/otlp/protocols/http/endpoint"),
        "0.0.0.0:4318"
    );
}

/// Each manifest's ConfigMap carries its deploy/kafka file byte for byte,
/// the workload runs it, and the container's environment sets every
/// `${env:…}` the config reads.
#[test]
fn configmaps_carry_the_deploy_kafka_configs_byte_for_byte() {
    for (manifest, kind, file) in MANIFESTS {
        let docs = k8s(manifest);
        let cm = &docs["ConfigMap"];
        let want = read(&kafka_dir().join(file));
        let got = text(cm, "data/config.yaml");
        assert!(
            got == want,
            "{manifest}: the ConfigMap's config.yaml is deploy/kafka/{file} byte for byte\n--- ConfigMap\n{got}\n--- file\n{want}"
        );

        let w = &docs[kind];
        let labels = y(w, "spec/template/metadata/labels");
        for (k, v) in y(w, "spec/selector/matchLabels").as_mapping().unwrap() {
            assert_eq!(&labels[k], v, "{manifest}: the selector matches the pod labels");
        }
        let pdb = &docs["PodDisruptionBudget"];
        for (k, v) in y(pdb, "spec/selector/matchLabels").as_mapping().unwrap() {
            assert_eq!(
                &labels[k], v,
                "{manifest}: the PodDisruptionBudget covers the pods"
            );
        }
        let pod = y(w, "spec/template/spec");
        let c = y(pod, "containers/0");
        for probe in ["livenessProbe", "readinessProbe"] {
            assert_eq!(
                y(c, &format!("{probe}/httpGet/port")).as_u64(),
                Some(13133),
                "{manifest}: {probe}"
            );
        }
        for limit in ["cpu", "memory"] {
            assert!(
                !y(c, &format!("resources/limits/{limit}")).is_null(),
                "{manifest}: limits.{limit}"
            );
        }
        // The config volume is the ConfigMap, mounted where --config points.
        let volumes: BTreeMap<String, &Yaml> = y(pod, "volumes")
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| (text(v, "name"), v))
            .collect();
        let mounts: BTreeMap<String, String> = c["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|m| (text(m, "name"), text(m, "mountPath")))
            .collect();
        let config_volume = volumes
            .iter()
            .find(|(_, v)| !v["configMap"].is_null())
            .map(|(name, _)| name.clone())
            .expect("a ConfigMap volume");
        assert_eq!(
            text(volumes[&config_volume], "configMap/name"),
            text(cm, "metadata/name"),
            "{manifest}"
        );
        assert_eq!(
            strings(c, "args"),
            [
                "--config".to_string(),
                format!("{}/config.yaml", mounts[&config_volume])
            ],
            "{manifest}: runs the mounted config"
        );
        let env: BTreeMap<String, String> = c["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    text(e, "name"),
                    e["value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        for var in env_refs(&want) {
            assert!(env.contains_key(&var), "{manifest}: {var} is set: {env:?}");
        }
        let brokers = &env["KAFKA_BROKERS"];
        assert!(
            brokers.ends_with(":9092") && !brokers.contains("://"),
            "{manifest}: KAFKA_BROKERS is host:port: {brokers}"
        );
    }

    // The agent's queue directory is a volume that outlives the pod, made
    // the collector's before it starts; the gateways are two.
    let docs = k8s("agent-daemonset.yaml");
    let pod = y(&docs["DaemonSet"], "spec/template/spec");
    let dir = text(&config("agent.yaml"), "extensions/file_storage/directory");
    let queue_mount = |c: &Yaml| {
        c["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|m| text(m, "mountPath") == dir)
            .map(|m| text(m, "name"))
    };
    let volume = queue_mount(y(pod, "containers/0")).expect("the queue directory is mounted");
    let v = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| text(v, "name") == volume)
        .unwrap();
    assert!(!v["hostPath"].is_null(), "the queue outlives the pod: {v:?}");
    let init = y(pod, "initContainers/0");
    assert_eq!(
        queue_mount(init),
        Some(volume),
        "the init container prepares the queue"
    );
    assert!(strings(init, "command").contains(&"10001:10001".to_string()));
    assert_eq!(text(pod, "securityContext/runAsUser"), "10001");

    let gw = &k8s("gateway-deployment.yaml")["Deployment"];
    assert_eq!(y(gw, "spec/replicas").as_u64(), Some(2));
}

/// The compose file: the broker, the topics, the agent, two gateways and
/// the backend, wired through the broker's advertised listener.
#[test]
fn compose_services_agree_with_the_configs_and_the_broker() {
    let dir = kafka_dir();
    let compose = &documents(&dir.join("docker-compose.yaml"))[0];
    let services = &compose["services"];
    for s in ["kafka", "kafka-topics", "agent", "gateway", "backend"] {
        assert!(services[s].is_mapping(), "compose has service {s}");
    }
    for (name, s) in services.as_mapping().unwrap() {
        for dep in s["depends_on"].as_mapping().into_iter().flat_map(|m| m.keys()) {
            assert!(
                services[dep].is_mapping(),
                "{name:?} depends on a service: {dep:?}"
            );
        }
    }

    // The broker's advertised listener is what the collectors connect to.
    let kafka = &services["kafka"];
    assert!(text(kafka, "image").starts_with("ghcr.io/tansu-io/tansu:"));
    let command = strings(kafka, "command");
    let flag = |name: &str| {
        command
            .iter()
            .find_map(|a| a.strip_prefix(&format!("--{name}=")))
            .unwrap_or_else(|| panic!("kafka: --{name}=…: {command:?}"))
            .to_string()
    };
    let advertised = flag("advertised-listener-url");
    let broker = advertised
        .strip_prefix("tcp://")
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    assert_eq!(
        broker.split(':').next(),
        Some("kafka"),
        "advertised as the service name"
    );
    assert_eq!(port(&broker), port(&flag("listener-url")));

    // The topics exist before the collectors start, with a partition for
    // every gateway.
    let replicas = y(services, "gateway/deploy/replicas").as_u64();
    assert_eq!(replicas, Some(2), "two gateways share the consumer group");
    let script = strings(&services["kafka-topics"], "command").join("\n");
    for t in TOPICS {
        assert!(script.contains(t), "kafka-topics creates {t}");
    }
    assert!(
        script.contains(&format!("tcp://{broker}")),
        "kafka-topics uses {broker}"
    );
    let partitions: u64 = script
        .split("--partitions")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("kafka-topics sets --partitions");
    assert!(partitions >= replicas.unwrap(), "{partitions} partitions");
    for s in ["agent", "gateway"] {
        assert_eq!(
            text(services, &format!("{s}/depends_on/kafka-topics/condition")),
            "service_completed_successfully",
            "{s} starts once the topics exist"
        );
    }

    // Each collector mounts its config where --config points, read-only,
    // and has every ${env:…} it reads.
    let mut volumes_of = BTreeMap::new();
    for (s, file) in [
        ("agent", "agent.yaml"),
        ("gateway", "gateway.yaml"),
        ("backend", "backend.yaml"),
    ] {
        let svc = &services[s];
        let build = &svc["build"];
        assert!(
            dir.join(text(build, "context"))
                .join(text(build, "dockerfile"))
                .is_file(),
            "{s}: the Dockerfile exists"
        );
        let args = strings(svc, "command");
        assert_eq!(args[0], "--config", "{s}");
        let volumes: BTreeMap<String, String> = strings(svc, "volumes")
            .iter()
            .map(|v| {
                let mut parts = v.split(':');
                let src = parts.next().unwrap().to_string();
                (parts.next().unwrap().to_string(), src)
            })
            .collect();
        assert_eq!(
            volumes.get(&args[1]).map(String::as_str),
            Some(format!("./{file}").as_str()),
            "{s} runs deploy/kafka/{file}"
        );
        assert!(
            strings(svc, "volumes").contains(&format!("./{file}:{}:ro", args[1])),
            "{s}: read-only"
        );
        for var in env_refs(&read(&dir.join(file))) {
            assert!(!svc["environment"][var.as_str()].is_null(), "{s}: {var} is set");
        }
        let health = &svc["healthcheck"]["test"];
        assert!(
            serde_yaml::to_string(health).unwrap().contains("13133"),
            "{s}: health check on health_check: {health:?}"
        );
        volumes_of.insert(s, volumes);
    }
    for s in ["agent", "gateway"] {
        assert_eq!(
            text(services, &format!("{s}/environment/KAFKA_BROKERS")),
            broker,
            "{s} bootstraps from the advertised listener"
        );
    }
    // The gateways export to the backend's OTLP/gRPC receiver.
    let backend = text(services, "gateway/environment/BACKEND_OTLP_ENDPOINT");
    assert_eq!(backend.split(':').next(), Some("backend"));
    assert_eq!(
        port(&backend),
        port(&text(
            &config("backend.yaml"),
            "receivers/otlp/protocols/grpc/endpoint"
        ))
    );
    // The agent's queue is a named volume, so it survives a restart.
    let queue_dir = text(&config("agent.yaml"), "extensions/file_storage/directory");
    let queue = volumes_of["agent"]
        .get(&queue_dir)
        .unwrap_or_else(|| panic!("agent mounts a volume at {queue_dir}"));
    assert!(
        compose["volumes"]
            .as_mapping()
            .unwrap()
            .contains_key(queue.as_str()),
        "{queue} is a named volume"
    );
    let published = strings(&services["agent"], "ports");
    for p in ["4317", "4318", "13133"] {
        assert!(
            published.iter().any(|x| x == &format!("{p}:{p}")),
            "the agent publishes {p}: {published:?}"
        );
    }
}

/// Every manifest of deploy/k8s/kafka passes `kubernetes-validate --strict`
/// (the OpenAPI schemas of Kubernetes 1.37, from the test venv).
#[test]
fn kafka_manifests_pass_the_schema_validator() {
    let bin = python().with_file_name("kubernetes-validate");
    assert!(
        bin.exists(),
        "{} is missing: the test venv (integration-tests/python/requirements.txt) has it",
        bin.display()
    );
    let files: Vec<PathBuf> = MANIFESTS
        .iter()
        .map(|(f, _, _)| deploy_dir().join("k8s/kafka").join(f))
        .collect();
    let mut on_disk: Vec<PathBuf> = std::fs::read_dir(deploy_dir().join("k8s/kafka"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    on_disk.sort();
    let mut listed = files.clone();
    listed.sort();
    assert_eq!(on_disk, listed, "every manifest of deploy/k8s/kafka is checked");
    let out = Command::new(&bin)
        .args(["--strict", "--quiet", "--kubernetes-version", "1.37.0"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubernetes-validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `otelcol-rs validate` accepts the agent's, the gateway's and the
/// compose backend's configs, with the environment they are deployed with.
#[test]
fn deploy_kafka_configs_validate() {
    for file in ["agent.yaml", "gateway.yaml", "backend.yaml"] {
        let path = kafka_dir().join(file);
        let out = Command::new(binary())
            .args(["validate", "--config"])
            .arg(&path)
            .env("NO_COLOR", "1")
            .env("KAFKA_BROKERS", "127.0.0.1:9092")
            .env("BACKEND_OTLP_ENDPOINT", "127.0.0.1:4317")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "deploy/kafka/{file} validates:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
