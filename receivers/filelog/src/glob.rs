//! File globs as Go's `doublestar` reads them: `*` and `?` within a path
//! component, `[abc]` / `[!a-z]` classes, `{a,b}` alternatives, `**` for
//! any number of directories, `\` to escape; and the finder that lists
//! the regular files matching `include` and not `exclude`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use regex::Regex;

/// A compiled glob.
#[derive(Clone, Debug)]
pub struct Glob {
    source: String,
    /// One entry per `{}` alternative: the directory to walk from, how deep
    /// (`None`: any depth), and the full-path regex.
    alternatives: Vec<(PathBuf, Option<usize>, Regex)>,
}

/// Why a glob does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob {glob:?}: {reason}")]
pub struct GlobError {
    /// The glob as written.
    pub glob: String,
    /// What is wrong.
    pub reason: String,
}

fn is_meta(c: char) -> bool {
    matches!(c, '*' | '?' | '[' | '{' | '\\')
}

/// Expands the `{a,b}` alternatives of a pattern (nested ones too).
fn expand_braces(p: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut depth = 0;
    let mut open = None;
    let mut commas = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            ',' if depth == 1 => commas.push(i),
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let start = open.unwrap_or(0);
                    let prefix: String = chars[..start].iter().collect();
                    let suffix: String = chars[i + 1..].iter().collect();
                    let mut bounds = vec![start];
                    bounds.extend(&commas);
                    bounds.push(i);
                    let mut out = Vec::new();
                    for w in bounds.windows(2) {
                        let alt: String = chars[w[0] + 1..w[1]].iter().collect();
                        for expanded in expand_braces(&format!("{prefix}{alt}{suffix}"))? {
                            out.push(expanded);
                        }
                    }
                    return Ok(out);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Err("unclosed `{`".into());
    }
    Ok(vec![p.to_string()])
}

/// The regex of one path component (no `/`, no braces).
fn component_regex(c: &str) -> Result<String, String> {
    let chars: Vec<char> = c.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '\\' => {
                i += 1;
                let Some(n) = chars.get(i) else {
                    return Err("trailing `\\`".into());
                };
                out.push_str(&regex::escape(&n.to_string()));
            }
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if matches!(chars.get(j), Some('!') | Some('^')) {
                    class.push('^');
                    j += 1;
                }
                let start = j;
                while j < chars.len() && (chars[j] != ']' || j == start) {
                    let ch = chars[j];
                    if ch == '\\' {
                        j += 1;
                        let Some(n) = chars.get(j) else {
                            return Err("trailing `\\` in a class".into());
                        };
                        class.push_str(&regex::escape(&n.to_string()));
                    } else if ch == '-' {
                        class.push('-');
                    } else {
                        class.push_str(&regex::escape(&ch.to_string()));
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err("unclosed `[`".into());
                }
                class.push(']');
                out.push_str(&class);
                i = j;
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    Ok(out)
}

impl Glob {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        let err = |reason: String| GlobError {
            glob: pattern.to_string(),
            reason,
        };
        if pattern.is_empty() {
            return Err(err("empty pattern".into()));
        }
        let mut alternatives = Vec::new();
        for p in expand_braces(pattern).map_err(err)? {
            let absolute = p.starts_with('/');
            let comps: Vec<&str> = p.split('/').filter(|c| !c.is_empty()).collect();
            let fixed = comps.iter().take_while(|c| !c.chars().any(is_meta)).count();
            let mut base = if absolute {
                PathBuf::from("/")
            } else {
                PathBuf::new()
            };
            for c in &comps[..fixed] {
                base.push(c);
            }
            let rest = &comps[fixed..];
            let depth = if rest.contains(&"**") {
                None
            } else {
                Some(rest.len())
            };
            let mut re = String::from("^");
            if absolute {
                re.push('/');
            }
            for (i, c) in comps.iter().enumerate() {
                let last = i + 1 == comps.len();
                if *c == "**" {
                    // Zero or more directories (or, last, anything below).
                    re.push_str(if last { ".*" } else { "(?:[^/]+/)*" });
                    continue;
                }
                re.push_str(&component_regex(c).map_err(&err)?);
                if !last {
                    re.push('/');
                }
            }
            re.push('$');
            let re = Regex::new(&re).map_err(|e| err(e.to_string()))?;
            alternatives.push((base, depth, re));
        }
        Ok(Glob {
            source: pattern.to_string(),
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `path` matches (the whole path).
    pub fn matches(&self, path: &Path) -> bool {
        let s = path.to_string_lossy();
        let s = s.strip_prefix("./").unwrap_or(&s);
        self.alternatives.iter().any(|(_, _, re)| re.is_match(s))
    }

    /// The regular files matching, sorted (symlinks to files count; the
    /// `**` walk does not enter symlinked directories).
    pub fn find(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (base, depth, re) in &self.alternatives {
            let start = if base.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                base.clone()
            };
            if depth == &Some(0) {
                // No wildcard: the path itself.
                if std::fs::metadata(&start).is_ok_and(|m| m.is_file()) {
                    out.push(start);
                }
                continue;
            }
            walk(&start, base.as_os_str().is_empty(), *depth, re, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }
}

fn walk(dir: &Path, relative: bool, depth: Option<usize>, re: &Regex, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let shown = if relative {
            path.strip_prefix(".")
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| path.clone())
        } else {
            path.clone()
        };
        let Ok(ft) = e.file_type() else { continue };
        let is_file = if ft.is_symlink() {
            std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        } else {
            ft.is_file()
        };
        if is_file {
            if depth.is_none_or(|d| d == 1) && re.is_match(&shown.to_string_lossy()) {
                out.push(shown);
            }
            continue;
        }
        let is_dir = if ft.is_symlink() {
            // Symlinked directories are entered only at a fixed depth (no `**` loops).
            depth.is_some() && std::fs::metadata(&path).is_ok_and(|m| m.is_dir())
        } else {
            ft.is_dir()
        };
        if is_dir {
            match depth {
                Some(d) if d > 1 => walk(&path, relative, Some(d - 1), re, out),
                Some(_) => {}
                None => walk(&path, relative, None, re, out),
            }
        }
    }
}

/// The finder: `include` globs minus `exclude` globs, minus files not
/// modified for `exclude_older_than`.
#[derive(Clone, Debug)]
pub struct Finder {
    include: Vec<Glob>,
    exclude: Vec<Glob>,
    exclude_older_than: Option<Duration>,
}

impl Finder {
    /// A finder; errors name `include::N` / `exclude::N`.
    pub fn new(
        include: &[String],
        exclude: &[String],
        exclude_older_than: Option<Duration>,
    ) -> Result<Finder, (String, String)> {
        let compile = |key: &str, list: &[String]| {
            list.iter()
                .enumerate()
                .map(|(i, g)| Glob::new(g).map_err(|e| (format!("{key}::{i}"), e.to_string())))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Finder {
            include: compile("include", include)?,
            exclude: compile("exclude", exclude)?,
            exclude_older_than,
        })
    }

    /// The matching files: per include pattern in path order, each once.
    pub fn find(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let now = SystemTime::now();
        for g in &self.include {
            for p in g.find() {
                if self.exclude.iter().any(|x| x.matches(&p)) || !seen.insert(p.clone()) {
                    continue;
                }
                if let Some(age) = self.exclude_older_than {
                    let modified = std::fs::metadata(&p).and_then(|m| m.modified());
                    if modified.is_ok_and(|m| now.duration_since(m).is_ok_and(|d| d > age)) {
                        continue;
                    }
                }
                out.push(p);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("/var/log/*.log", "/var/log/app.log", true),
            ("/var/log/*.log", "/var/log/sub/app.log", false),
            ("/var/log/app.log*", "/var/log/app.log.1", true),
            ("/var/log/?.log", "/var/log/a.log", true),
            ("/var/log/?.log", "/var/log/ab.log", false),
            ("/var/log/[ab].log", "/var/log/b.log", true),
            ("/var/log/[!ab].log", "/var/log/b.log", false),
            ("/var/log/[a-c].log", "/var/log/c.log", true),
            ("/var/log/{app,web}.log", "/var/log/web.log", true),
            ("/var/log/{app,web}.log", "/var/log/db.log", false),
            ("/var/**/*.log", "/var/log/a/b/c.log", true),
            ("/var/**/*.log", "/var/c.log", true),
            ("/var/log/**", "/var/log/a/b", true),
            ("/var/log/\\*.log", "/var/log/*.log", true),
            ("/var/log/\\*.log", "/var/log/a.log", false),
            ("logs/*.txt", "logs/a.txt", true),
            ("logs/*.txt", "./logs/a.txt", true),
        ];
        for (g, p, want) in cases {
            assert_eq!(Glob::new(g).unwrap().matches(Path::new(p)), *want, "{g} ~ {p}");
        }
        assert!(
            Glob::new("/a/[b")
                .unwrap_err()
                .to_string()
                .contains("unclosed `[`")
        );
        assert!(
            Glob::new("/a/{b")
                .unwrap_err()
                .to_string()
                .contains("unclosed `{`")
        );
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn finds_files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        for f in ["x.log", "y.log", "z.txt", "a/n.log", "a/b/m.log"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::create_dir(d.join("dir.log")).unwrap();
        let root = d.display();
        let names = |inc: &[String], exc: &[String]| -> Vec<String> {
            Finder::new(inc, exc, None)
                .unwrap()
                .find()
                .iter()
                .map(|p| p.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(names(&[format!("{root}/*.log")], &[]), ["x.log", "y.log"]);
        assert_eq!(
            names(&[format!("{root}/**/*.log")], &[]),
            ["a/b/m.log", "a/n.log", "x.log", "y.log"]
        );
        assert_eq!(
            names(&[format!("{root}/**/*.log")], &[format!("{root}/a/**")]),
            ["x.log", "y.log"]
        );
        assert_eq!(
            names(&[format!("{root}/x.log"), format!("{root}/*.log")], &[]),
            ["x.log", "y.log"]
        );
        assert_eq!(names(&[format!("{root}/{{x,z}}.*")], &[]), ["x.log", "z.txt"]);
        let old = Finder::new(&[format!("{root}/*.log")], &[], Some(Duration::from_secs(3600)))
            .unwrap()
            .find();
        assert_eq!(old.len(), 2, "fresh files are kept");
        assert_eq!(Finder::new(&["[".into()], &[], None).unwrap_err().0, "include::0");
    }
}
