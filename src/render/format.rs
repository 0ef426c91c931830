//! Reader-facing formatting in English and Arabic: numbers, percentages,
//! dates at their precision, and frames as accessible HTML tables.
//!
//! (Being implemented.)
