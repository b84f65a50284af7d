/**
 * The results folder of a run (FORMATS.md "Results folder"): CSV tables written row by row as the
 * run goes, then summary.json, plots and report.md when it ends. Actors record; this package
 * reports (STYLE.md 7).
 */
package io.splitemu.actors.results;
