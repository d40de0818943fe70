use super::*;

#[test]
fn relative_paths() {
    assert_eq!(
        relative(Path::new("/a/b/c"), Path::new("/a/x")),
        PathBuf::from("../../x")
    );
    assert_eq!(
        relative(Path::new("/a"), Path::new("/a/x/y")),
        PathBuf::from("x/y")
    );
    assert_eq!(relative(Path::new("/a"), Path::new("/a")), PathBuf::from("."));
}

#[test]
fn quoting_is_toml_safe() {
    assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
}

fn setup() -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let comp = dir.path().join("comps/my-proc");
    std::fs::create_dir_all(&comp).unwrap();
    std::fs::write(comp.join("Cargo.toml"), "[package]\nname = \"my-proc\"\n").unwrap();
    let m = Manifest::parse(
        r#"
dist: {name: otelcol-x, description: "My \"x\"", output_path: out/x}
receivers: [{crate: otelcol-receiver-otlp, version: "0.1"}]
processors: [{crate: my-proc, path: comps/my-proc, features: [fast]}]
exporters: [{crate: otelcol-exporter-y, git: "https://example.invalid/y", rev: "r1"}]
"#,
    )
    .unwrap();
    (dir, m)
}

#[test]
fn generates_a_standalone_crate() {
    let (dir, m) = setup();
    let out = output_dir(&m, dir.path(), None);
    generate(&m, dir.path(), &out).unwrap();
    let toml = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(toml.contains("name = \"otelcol-x\""), "{toml}");
    assert!(toml.contains("description = \"My \\\"x\\\"\""), "{toml}");
    assert!(
        toml.contains("otelcol-receiver-otlp = { version = \"0.1\" }"),
        "{toml}"
    );
    assert!(
        toml.contains("my-proc = { path = \"../../comps/my-proc\", features = [\"fast\"] }"),
        "{toml}"
    );
    assert!(
        toml.contains("otelcol-exporter-y = { git = \"https://example.invalid/y\", rev = \"r1\" }"),
        "{toml}"
    );
    assert!(toml.contains("otelcol-service = { version = "), "{toml}");
    assert!(toml.contains("\n[workspace]\n"), "{toml}");
    let main = std::fs::read_to_string(out.join("src/main.rs")).unwrap();
    assert!(
        main.contains(".receiver(otelcol_receiver_otlp::factory())"),
        "{main}"
    );
    assert!(main.contains(".processor(my_proc::factory())"), "{main}");
    assert!(
        main.contains(".exporter(otelcol_exporter_y::factory())"),
        "{main}"
    );
    assert!(main.contains("command: \"otelcol-x\".into()"), "{main}");
    assert!(main.contains("description: \"My \\\"x\\\"\".into()"), "{main}");
}

#[test]
fn workspace_member_has_no_workspace_table() {
    let (dir, mut m) = setup();
    m.dist.workspace_member = true;
    let out = output_dir(&m, dir.path(), None);
    generate(&m, dir.path(), &out).unwrap();
    let toml = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(!toml.contains("[workspace]"), "{toml}");
    assert!(!toml.contains("[profile"), "{toml}");
}

#[test]
fn missing_path_names_the_component() {
    let (dir, mut m) = setup();
    m.processors[0].path = Some("nowhere".into());
    let out = output_dir(&m, dir.path(), None);
    let e = generate(&m, dir.path(), &out).unwrap_err().to_string();
    assert!(e.contains("processors[0].path"), "{e}");
    assert!(e.contains("no Cargo.toml"), "{e}");
}

#[test]
fn otelcol_path_is_used_for_the_runtime() {
    let (dir, mut m) = setup();
    for sub in ["rt/runtime/service", "rt/runtime/component"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("Cargo.toml"), "").unwrap();
    }
    m.dist.otelcol_path = Some("rt".into());
    let out = output_dir(&m, dir.path(), None);
    generate(&m, dir.path(), &out).unwrap();
    let toml = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(
        toml.contains("otelcol-service = { path = \"../../rt/runtime/service\" }"),
        "{toml}"
    );
}

#[test]
fn mimalloc_by_default_system_on_request() {
    let (dir, mut m) = setup();
    let out = output_dir(&m, dir.path(), None);
    assert_eq!(m.dist.allocator, Allocator::Mimalloc);
    let toml = cargo_toml(&m, dir.path(), &out).unwrap();
    assert!(toml.contains(MIMALLOC_DEP), "{toml}");
    assert!(main_rs(&m).contains("#[global_allocator]\nstatic GLOBAL: mimalloc::MiMalloc"));
    m.dist.allocator = Allocator::System;
    assert!(!cargo_toml(&m, dir.path(), &out).unwrap().contains("mimalloc"));
    assert!(!main_rs(&m).contains("global_allocator"));
    let one = "receivers: [{crate: otelcol-receiver-otlp, version: \"0.1\"}]\n";
    let parsed = Manifest::parse(&format!("dist: {{name: x, allocator: system}}\n{one}")).unwrap();
    assert_eq!(parsed.dist.allocator, Allocator::System);
    let e = Manifest::parse(&format!("dist: {{name: x, allocator: jemalloc}}\n{one}")).unwrap_err();
    assert!(e.to_string().contains("jemalloc"), "{e}");
}
