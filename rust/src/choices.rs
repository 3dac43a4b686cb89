//! Every set of allowed string values, defined once.
//!
//! Each option (`dist`, `init`, `activation`, `loss`, `optimizer`,
//! `schedule`, `projection`, `sparsify`, `teacher_dist`) is a Rust enum that parses with
//! [`std::str::FromStr`]; its canonical names and its aliases live here and
//! nowhere else. The bindings parse with these enums and expose the tables to
//! Python as `_core.CHOICES` (option -> canonical names) and `_core.ALIASES`
//! (option -> {alias: canonical name}), which the Python modules and the CLI's
//! `choices=` read.

use crate::error::CoreError;
use std::str::FromStr;

macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $key:literal {
            $( $(#[$vmeta:meta])* $var:ident = $s:literal ),+ $(,)?
        }
        aliases { $( $alias:literal => $target:ident ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $var ),+
        }

        impl $name {
            /// The option's argument name, as users spell it.
            pub const KEY: &'static str = $key;
            /// Canonical names, in the order the docs list them.
            pub const NAMES: &'static [&'static str] = &[$($s),+];
            /// `(alias, canonical name)` pairs.
            pub const ALIASES: &'static [(&'static str, &'static str)] = &[$(($alias, $name::$target.name())),*];

            /// The canonical name of this value.
            pub const fn name(self) -> &'static str {
                match self { $( $name::$var => $s ),+ }
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                match s {
                    $( $s => Ok($name::$var), )+
                    $( $alias => Ok($name::$target), )*
                    other => Err(unknown($key, $name::NAMES, $name::ALIASES, other)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

fn unknown(key: &str, names: &[&str], aliases: &[(&str, &str)], got: &str) -> CoreError {
    let list = names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
    let alias = if aliases.is_empty() {
        String::new()
    } else {
        format!(" (aliases: {})", aliases.iter().map(|(a, t)| format!("'{a}' = '{t}'")).collect::<Vec<_>>().join(", "))
    };
    CoreError::InvalidArgument(format!("{key} must be one of {list}{alias}, got {got:?}"))
}

choice_enum! {
    /// Distribution of the input points.
    PointDist, "dist" {
        /// Uniform in `[-1, 1]^d`.
        Uniform = "uniform",
        /// Standard normal in `R^d`.
        Gaussian = "gaussian",
    }
    aliases { "gauss" => Gaussian, "normal" => Gaussian }
}

choice_enum! {
    /// How hidden weights and biases are drawn.
    Init, "init" {
        /// `U(-1/sqrt(d), 1/sqrt(d))` for weights and biases (PyTorch's default, the reference protocol).
        Uniform = "uniform",
        /// `N(0, 1/d)` for weights and biases.
        Gaussian = "gaussian",
    }
    aliases { "gauss" => Gaussian, "normal" => Gaussian }
}

choice_enum! {
    /// Hidden activation of the trainer (`leaky_relu` takes a slope).
    ActivationKind, "activation" {
        Relu = "relu",
        LeakyRelu = "leaky_relu",
        Sigmoid = "sigmoid",
        Tanh = "tanh",
    }
    aliases {}
}

impl ActivationKind {
    /// The activations whose networks are piecewise linear, the ones that have linear regions: those the region
    /// counts of a network (`window`, `count-regions --weights`), its pictures (`region_polygons`) and
    /// `boundary_linearity` take. Exported to Python as `_core.PIECEWISE_LINEAR`.
    pub const PIECEWISE_LINEAR: &'static [&'static str] =
        &[ActivationKind::Relu.name(), ActivationKind::LeakyRelu.name()];
}

choice_enum! {
    /// Training loss.
    LossKind, "loss" {
        Bce = "bce",
        Hinge = "hinge",
    }
    aliases {}
}

choice_enum! {
    /// Optimiser (PyTorch semantics).
    OptimizerKind, "optimizer" {
        Adam = "adam",
        Sgd = "sgd",
    }
    aliases {}
}

choice_enum! {
    /// Learning-rate schedule.
    ScheduleKind, "schedule" {
        Cosine = "cosine",
        Constant = "constant",
    }
    aliases {}
}

choice_enum! {
    /// Random expansion map of expand-and-sparsify.
    ProjectionKind, "projection" {
        Gaussian = "gaussian",
        SparseBinary = "sparse_binary",
    }
    aliases {}
}

choice_enum! {
    /// Sparsifier of expand-and-sparsify.
    Sparsifier, "sparsify" {
        Topk = "topk",
        Threshold = "threshold",
        Relu = "relu",
    }
    aliases {}
}

choice_enum! {
    /// Input distribution of the linear-teacher data (`linear_teacher_dataset`'s and the `teacher` command's
    /// `dist`; drawn in Python, `nnpartition.teacher`): its own set, keyed `teacher_dist` beside the trainer's `dist`.
    TeacherDist, "teacher_dist" {
        /// `N(0, I/d)`, norms clipped to 1.
        Gaussian = "gaussian",
        /// Uniform in the unit ball.
        Ball = "ball",
        /// Uniform on the unit sphere.
        Sphere = "sphere",
        /// Uniform in two balls of radius 0.4 centred at `+-0.5 w*`.
        TwoBalls = "two_balls",
    }
    aliases { "gauss" => Gaussian, "normal" => Gaussian }
}

/// `(option, canonical names, aliases)` for every option, for the Python view.
///
/// ```
/// use _core::choices::table;
/// use _core::simulation::PointDist;
/// // Every alias names a canonical value of its own option.
/// assert_eq!("normal".parse::<PointDist>()?, PointDist::Gaussian);
/// for (option, names, aliases) in table() {
///     for (alias, target) in aliases {
///         assert!(names.contains(target), "{option}: alias {alias} names {target}, which is not a value");
///     }
/// }
/// assert!("Gaussian".parse::<PointDist>().is_err()); // names are case-sensitive
/// # Ok::<(), _core::CoreError>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn table() -> Vec<(&'static str, &'static [&'static str], &'static [(&'static str, &'static str)])> {
    vec![
        (PointDist::KEY, PointDist::NAMES, PointDist::ALIASES),
        (Init::KEY, Init::NAMES, Init::ALIASES),
        (ActivationKind::KEY, ActivationKind::NAMES, ActivationKind::ALIASES),
        (LossKind::KEY, LossKind::NAMES, LossKind::ALIASES),
        (OptimizerKind::KEY, OptimizerKind::NAMES, OptimizerKind::ALIASES),
        (ScheduleKind::KEY, ScheduleKind::NAMES, ScheduleKind::ALIASES),
        (ProjectionKind::KEY, ProjectionKind::NAMES, ProjectionKind::ALIASES),
        (Sparsifier::KEY, Sparsifier::NAMES, Sparsifier::ALIASES),
        (TeacherDist::KEY, TeacherDist::NAMES, TeacherDist::ALIASES),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling users may give and the value it must mean, written out from the docs (not read from the
    /// enums' own tables: `name()`, `NAMES`, `ALIASES` and `from_str` all come from one macro invocation, so a
    /// round trip through them holds whatever value a spelling is bound to, e.g. `"normal" => Uniform`).
    fn check<T: FromStr<Err = CoreError> + PartialEq + std::fmt::Debug + std::fmt::Display + Copy>(
        spec: &[(&str, T, &str)],
        names: &[&str],
        aliases: &[(&str, &str)],
    ) {
        for &(spelling, want, canonical) in spec {
            let got = spelling.parse::<T>().unwrap();
            assert_eq!(got, want, "{spelling:?}");
            assert_eq!(got.to_string(), canonical, "{spelling:?}");
        }
        // the tables list exactly the spellings of the spec: canonical names where spelling == canonical
        let mut listed: Vec<&str> = names.iter().copied().chain(aliases.iter().map(|a| a.0)).collect();
        let mut spelled: Vec<&str> = spec.iter().map(|s| s.0).collect();
        listed.sort_unstable();
        spelled.sort_unstable();
        assert_eq!(listed, spelled);
        let want_names: Vec<&str> = spec.iter().filter(|s| s.0 == s.2).map(|s| s.0).collect();
        assert_eq!(names, &want_names[..]);
        for (alias, target) in aliases {
            assert_eq!(spec.iter().find(|s| s.0 == *alias).map(|s| s.2), Some(*target), "{alias:?}");
        }
    }

    #[test]
    fn every_name_and_alias_parses_to_the_value_the_docs_give_it() {
        use ActivationKind as A;
        check(
            &[
                ("uniform", PointDist::Uniform, "uniform"),
                ("gaussian", PointDist::Gaussian, "gaussian"),
                ("gauss", PointDist::Gaussian, "gaussian"),
                ("normal", PointDist::Gaussian, "gaussian"),
            ],
            PointDist::NAMES,
            PointDist::ALIASES,
        );
        check(
            &[
                ("uniform", Init::Uniform, "uniform"),
                ("gaussian", Init::Gaussian, "gaussian"),
                ("gauss", Init::Gaussian, "gaussian"),
                ("normal", Init::Gaussian, "gaussian"),
            ],
            Init::NAMES,
            Init::ALIASES,
        );
        check(
            &[
                ("relu", A::Relu, "relu"),
                ("leaky_relu", A::LeakyRelu, "leaky_relu"),
                ("sigmoid", A::Sigmoid, "sigmoid"),
                ("tanh", A::Tanh, "tanh"),
            ],
            A::NAMES,
            A::ALIASES,
        );
        check(
            &[("bce", LossKind::Bce, "bce"), ("hinge", LossKind::Hinge, "hinge")],
            LossKind::NAMES,
            LossKind::ALIASES,
        );
        check(
            &[("adam", OptimizerKind::Adam, "adam"), ("sgd", OptimizerKind::Sgd, "sgd")],
            OptimizerKind::NAMES,
            OptimizerKind::ALIASES,
        );
        check(
            &[("cosine", ScheduleKind::Cosine, "cosine"), ("constant", ScheduleKind::Constant, "constant")],
            ScheduleKind::NAMES,
            ScheduleKind::ALIASES,
        );
        check(
            &[
                ("gaussian", ProjectionKind::Gaussian, "gaussian"),
                ("sparse_binary", ProjectionKind::SparseBinary, "sparse_binary"),
            ],
            ProjectionKind::NAMES,
            ProjectionKind::ALIASES,
        );
        check(
            &[
                ("topk", Sparsifier::Topk, "topk"),
                ("threshold", Sparsifier::Threshold, "threshold"),
                ("relu", Sparsifier::Relu, "relu"),
            ],
            Sparsifier::NAMES,
            Sparsifier::ALIASES,
        );
        check(
            &[
                ("gaussian", TeacherDist::Gaussian, "gaussian"),
                ("ball", TeacherDist::Ball, "ball"),
                ("sphere", TeacherDist::Sphere, "sphere"),
                ("two_balls", TeacherDist::TwoBalls, "two_balls"),
                ("gauss", TeacherDist::Gaussian, "gaussian"),
                ("normal", TeacherDist::Gaussian, "gaussian"),
            ],
            TeacherDist::NAMES,
            TeacherDist::ALIASES,
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_option_and_the_list() {
        let e = "Gaussian".parse::<PointDist>().unwrap_err();
        let CoreError::InvalidArgument(m) = e else { panic!("wrong variant") };
        assert!(m.starts_with("dist must be one of 'uniform', 'gaussian'"), "{m}");
        assert!(m.contains("'gauss' = 'gaussian'") && m.ends_with("got \"Gaussian\""), "{m}");
        assert!("".parse::<Sparsifier>().is_err());
    }

    /// The table the Python view (`_core.CHOICES` / `_core.ALIASES`) is built from lists every option under the
    /// name users spell (docs/training.md, docs/simulation.md, docs/sparse.md), its canonical names in the docs'
    /// order and its aliases, written out here rather than read from the enums.
    #[test]
    fn the_table_lists_every_option_its_names_and_aliases_as_the_docs_give_them() {
        type Row = (&'static str, &'static [&'static str], &'static [(&'static str, &'static str)]);
        let gauss: &[(&str, &str)] = &[("gauss", "gaussian"), ("normal", "gaussian")];
        let want: Vec<Row> = vec![
            ("dist", &["uniform", "gaussian"], gauss),
            ("init", &["uniform", "gaussian"], gauss),
            ("activation", &["relu", "leaky_relu", "sigmoid", "tanh"], &[]),
            ("loss", &["bce", "hinge"], &[]),
            ("optimizer", &["adam", "sgd"], &[]),
            ("schedule", &["cosine", "constant"], &[]),
            ("projection", &["gaussian", "sparse_binary"], &[]),
            ("sparsify", &["topk", "threshold", "relu"], &[]),
            ("teacher_dist", &["gaussian", "ball", "sphere", "two_balls"], gauss),
        ];
        let got = table();
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0);
            assert_eq!(g.1, w.1, "{}", w.0);
            let mut ga = g.2.to_vec();
            ga.sort_unstable();
            assert_eq!(ga, w.2, "{}", w.0);
        }
    }

    /// relu and leaky_relu (`max(u, slope u)`) are piecewise linear; sigmoid and tanh are smooth and linear on no
    /// interval: written out, not read from the enum.
    #[test]
    fn the_piecewise_linear_activations_are_relu_and_leaky_relu() {
        assert_eq!(ActivationKind::PIECEWISE_LINEAR, &["relu", "leaky_relu"]);
        for name in ActivationKind::PIECEWISE_LINEAR {
            assert!(name.parse::<ActivationKind>().is_ok(), "{name}");
        }
    }

    #[test]
    fn options_are_unique() {
        let t = table();
        let mut keys: Vec<_> = t.iter().map(|r| r.0).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), t.len());
    }
}
