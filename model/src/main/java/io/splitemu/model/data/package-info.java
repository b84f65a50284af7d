/**
 * Training data: IDX/MNIST loading and caching, the embedded synthetic dataset, ND4J batch
 * building, and seeded IID and non-IID partitioners that split one shared dataset over devices.
 */
package io.splitemu.model.data;
