pub mod imagen;
