/// Registries whose storage driver is `s3`: an S3 or S3-compatible object store (AWS S3,
/// Ceph RGW, MinIO, SeaweedFS, R2, ...) behind RegistrySweep's `StorageBackend` seam.
public enum S3Storage {}
