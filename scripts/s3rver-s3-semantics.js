'use strict';
// Preloaded into s3rver 3.7.1 by the tests (S3rverServer.cs) and the AppHost (`node -r <this file> .../s3rver/bin/s3rver.js ...`).
//
// s3rver's file-system store lacks two S3 behaviours that ModMesh's blob store relies on (and real S3, MinIO and
// the like have). This file restores exactly those two and nothing else:
//
// 1. An object PUT is atomic. s3rver writes the request body straight into the object file (truncating it first)
//    and writes the MD5 afterwards, so a concurrent GET can read a torn object under a stale ETag. Here the body is
//    written to a temporary file and renamed over the object, and rename + metadata write, GET's metadata read +
//    file open, and DELETE are serialised per key (node is single-threaded; an open file keeps its bytes after a
//    rename), so a reader sees the old object or the new one, whole.
// 2. AbortMultipartUpload (DELETE /bucket/key?uploadId=ID). s3rver answers 405 MethodNotAllowed and keeps the
//    parts; here it removes the pending upload (204), or answers 404 NoSuchUpload.
//
// Everything else (listing, multipart upload and completion, errors, XML) is s3rver's own code.
const path = require('path');
const crypto = require('crypto');
const { Transform } = require('stream');

const root = path.resolve(path.dirname(require('fs').realpathSync(process.argv[1])), '..');
const fs = require(require.resolve('fs-extra', { paths: [root] }));
const FilesystemStore = require(path.join(root, 'lib', 'stores', 'filesystem'));
const router = require(path.join(root, 'lib', 'routes'));
const S3Error = require(path.join(root, 'lib', 'models', 'error'));

const tails = new Map();

/** Runs fn alone for one bucket/key: calls for the same id run one after another, in arrival order. */
async function exclusive(bucket, key, fn) {
  const id = `${bucket}\u0000${key}`;
  const previous = tails.get(id) || Promise.resolve();
  let release;
  const mine = new Promise(resolve => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(id, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(id) === tail) tails.delete(id);
  }
}

function writeBody(content, file) {
  return new Promise((resolve, reject) => {
    const md5 = crypto.createHash('md5');
    const out = fs.createWriteStream(file);
    let size = 0;
    out.on('error', reject);
    out.on('close', () => resolve({ size, md5: md5.digest('hex') }));
    if (Buffer.isBuffer(content)) {
      md5.update(content);
      size = content.length;
      out.end(content);
      return;
    }
    content.on('error', reject);
    content.on('aborted', () => reject(new Error('request aborted')));
    content
      .pipe(
        new Transform({
          transform(chunk, encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
      )
      .on('error', reject)
      .pipe(out);
  });
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdirp(path.dirname(objectPath));
  // Not listed: listings take only files that end with "._S3rver_object".
  const temp = `${objectPath}.${crypto.randomBytes(8).toString('hex')}.partial`;
  try {
    const { size, md5 } = await writeBody(object.content, temp);
    await exclusive(object.bucket, object.key, async () => {
      await fs.rename(temp, objectPath);
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    });
    return { size, md5 };
  } catch (err) {
    await fs.remove(temp).catch(() => {});
    throw err;
  }
};

const getObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = function (bucket, key, options) {
  // s3rver's getObject resolves once the file is open: metadata and bytes come from the same file.
  return exclusive(bucket, key, () => getObject.call(this, bucket, key, options));
};

const deleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = function (bucket, key) {
  return exclusive(bucket, key, () => deleteObject.call(this, bucket, key));
};

const routes = router.routes.bind(router);
router.routes = function () {
  const inner = routes();
  return async function abortMultipartUpload(ctx, next) {
    if (ctx.method !== 'DELETE' || !('uploadId' in ctx.query)) {
      return inner(ctx, next);
    }
    const bucket = ctx.path.split('/')[1];
    const uploadId = String(ctx.query.uploadId);
    const uploads = ctx.store.getResourcePath(bucket, undefined, 'uploads');
    const dir = path.join(uploads, uploadId);
    if (!/^[0-9a-f]+$/.test(uploadId) || !(await fs.pathExists(dir))) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    }
    await fs.remove(dir);
    ctx.status = 204;
  };
};
