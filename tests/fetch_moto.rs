//! End-to-end tests of `overreach fetch` against moto_server (being written).
