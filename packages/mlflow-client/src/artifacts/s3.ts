import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { MlflowConfig } from '../config.ts';
import { ArtifactError } from '../errors.ts';
import type { FileInfo } from '../types.ts';
import { tempSibling } from './local.ts';
import type { ArtifactRepository } from './repository.ts';
import { joinArtifactPath } from './repository.ts';

export type S3Settings = MlflowConfig['s3'] & { maxRetries?: number };

/** An S3 client as MLflow's boto3 setup would make it: custom endpoint, path-style, and safe checksums. */
export function createS3Client(s3: S3Settings): S3Client {
  const options: S3ClientConfig = {
    region: s3.region,
    forcePathStyle: true,
    requestChecksumCalculation: s3.checksums,
    responseChecksumValidation: s3.checksums,
    maxAttempts: (s3.maxRetries ?? 5) + 1,
  };
  if (s3.endpoint) options.endpoint = s3.endpoint;
  if (s3.accessKeyId && s3.secretAccessKey) {
    options.credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  }
  if (s3.ignoreTls) {
    options.requestHandler = { httpsAgent: new HttpsAgent({ rejectUnauthorized: false }) };
  }
  return new S3Client(options);
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`invalid S3 URI ${JSON.stringify(uri)}: expected s3://bucket/prefix`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, '') };
}

export class S3ArtifactRepository implements ArtifactRepository {
  private readonly bucket: string;
  private readonly prefix: string;
  constructor(
    readonly rootUri: string,
    private readonly client: S3Client,
    private readonly partSizeBytes = 8 * 1024 * 1024,
  ) {
    const { bucket, prefix } = parseS3Uri(rootUri);
    this.bucket = bucket;
    this.prefix = prefix;
  }

  private key(relPath: string): string {
    return joinArtifactPath(this.prefix, relPath);
  }

  async uploadFile(localPath: string, relPath: string): Promise<void> {
    const { size } = await stat(localPath);
    // lib-storage switches to multipart above one part; a stream body keeps memory flat for large models.
    const upload = new Upload({
      client: this.client,
      partSize: this.partSizeBytes,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: this.key(relPath),
        Body: size === 0 ? Buffer.alloc(0) : createReadStream(localPath),
        ContentLength: size,
      },
    });
    try {
      await upload.done();
    } catch (err) {
      throw new ArtifactError(
        `upload of ${localPath} to s3://${this.bucket}/${this.key(relPath)} failed: ${(err as Error).message}`,
        `s3://${this.bucket}/${this.key(relPath)}`,
        err,
      );
    }
  }

  async list(relPath: string): Promise<FileInfo[]> {
    const rel = joinArtifactPath(relPath);
    const dirKey = this.key(rel);
    const prefix = dirKey === '' ? '' : `${dirKey}/`;
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix!.slice(prefix.length).replace(/\/$/, '');
        if (name) out.push({ path: joinArtifactPath(rel, name), isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(prefix.length);
        if (name) out.push({ path: joinArtifactPath(rel, name), isDir: false, fileSize: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadFile(relPath: string, localPath: string): Promise<void> {
    const uri = `s3://${this.bucket}/${this.key(relPath)}`;
    await mkdir(path.dirname(localPath), { recursive: true });
    const tmp = tempSibling(localPath);
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(relPath) }),
      );
      await pipeline(res.Body as Readable, createWriteStream(tmp));
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      const name = (err as { name?: string }).name;
      const missing = name === 'NoSuchKey' || name === 'NotFound';
      throw new ArtifactError(
        missing ? `artifact ${uri} does not exist` : `download of ${uri} failed: ${(err as Error).message}`,
        uri,
        err,
      );
    }
  }
}
