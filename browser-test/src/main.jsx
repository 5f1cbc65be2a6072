// Renders one exported form of schemas/gorgias with react-jsonschema-form.
//
//   index.html?form=<name>   (a name from index.json's "forms"; default: config)
//
// The schema and its uiSchema are read from /schemas/gorgias/ exactly as exported, and the Form
// props from index.json (`react_jsonschema_form`): validation with ajv's draft 2020-12 class
// (the draft index.json states) and `discriminator` on, so a tagged `oneOf` (the auth choice)
// is checked against the chosen branch only; no HTML5 validation; nothing pre-filled that the
// user did not choose. Validation messages are
// rewritten in words, prefixed with the field's title ("API key: is required"), so no raw regex
// or JSON pointer reaches a user. What happened is recorded on `window.formTest` for run.mjs.
import React, { useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import Form from '@rjsf/core';
import { customizeValidator } from '@rjsf/validator-ajv8';
import Ajv2020 from 'ajv/dist/2020.js';

const SCHEMAS = '/schemas/gorgias/';

const state = (window.formTest = {
  ready: false,
  form: null,
  submits: [],
  errors: [],
  problems: [],
});

// Set from index.json's `react_jsonschema_form` (the Form props the export is meant for).
let validator = null;
let formProps = {};

function resolve(root, node) {
  if (node && typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
    const target = node.$ref
      .slice(1)
      .split('/')
      .filter(Boolean)
      .reduce((n, key) => (n == null ? n : n[key.replace(/~1/g, '/').replace(/~0/g, '~')]), root);
    if (target) {
      const { $ref, ...local } = node;
      return { ...resolve(root, target), ...local };
    }
  }
  return node;
}

/** The schema of the field at `path` (segments of an rjsf error property), through `$ref`s,
 *  branches of `oneOf`/`anyOf`/`allOf` (the one whose constants match `data`), and array items,
 *  with the words that name it: its title, or its list's title and its position. */
function fieldAt(root, path, data) {
  let node = resolve(root, root);
  let value = data;
  let label = null;
  // Inside a list item, fields are named with the item ("Messages, item 1, Channel"), so the
  // same field in two items, or at the top and in an item, cannot be confused.
  let context = null;
  for (const seg of path) {
    if (!node) return { node: null, label };
    let next = null;
    if (/^\d+$/.test(seg) && node.items) {
      next = node.items;
      const list = label || node.title || humanise(seg);
      node = resolve(root, next);
      context = `${list}, item ${Number(seg) + 1}`;
      label = context;
      value = value == null ? undefined : value[seg];
      continue;
    } else if (node.properties && node.properties[seg]) {
      next = node.properties[seg];
    } else {
      const branches = [...(node.oneOf || []), ...(node.anyOf || []), ...(node.allOf || [])]
        .map((b) => resolve(root, b))
        .filter((b) => b.properties && b.properties[seg]);
      const matching = branches.find((b) =>
        Object.entries(b.properties).every(
          ([k, p]) => p.const === undefined || (value && value[k] === p.const),
        ),
      );
      const chosen = matching || branches[0];
      next = chosen ? chosen.properties[seg] : null;
    }
    node = next ? resolve(root, next) : null;
    const own = (node && node.title) || humanise(seg);
    label = context ? `${context}, ${own}` : own;
    value = value == null ? undefined : value[seg];
  }
  return { node, label };
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function typeWords(type) {
  const t = Array.isArray(type) ? type.filter((x) => x !== 'null')[0] : String(type).split(',')[0];
  return (
    {
      string: 'must be text',
      integer: 'must be a whole number',
      number: 'must be a number',
      boolean: 'must be yes or no',
      array: 'must be a list',
      object: 'must be a group of fields',
    }[t] || 'has the wrong kind of value'
  );
}

const FORMAT_WORDS = {
  email: 'must be an email address, e.g. agent@acme.com',
  'date-time': 'must be a date and time, e.g. 2024-01-31T00:00:00Z',
  date: 'must be a date, e.g. 2024-01-31',
  time: 'must be a time of day, e.g. 13:45:00Z',
  uri: 'must be a full address, e.g. https://example.com',
  uuid: 'must be a UUID',
  hostname: 'must be a host name, e.g. example.com',
  ipv4: 'must be an IPv4 address',
  ipv6: 'must be an IPv6 address',
};

/** The words for one validation error, without the field's title. */
function wordsFor(error, field) {
  const p = error.params || {};
  switch (error.name) {
    case 'required':
      return 'is required';
    case 'pattern': {
      const words = (field && (field.pattern_descriptor || field.description)) || 'is not in the expected format';
      return words.replace(/\.$/, '');
    }
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${plural(p.limit, 'character', 'characters')}`;
    case 'maxLength':
      return `must be at most ${plural(p.limit, 'character', 'characters')}`;
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'exclusiveMinimum':
      return `must be more than ${p.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${p.limit}`;
    case 'multipleOf':
      return `must be a multiple of ${p.multipleOf}`;
    case 'format':
      return FORMAT_WORDS[p.format] || 'is not in the expected format';
    case 'type':
      return typeWords(p.type);
    case 'minItems':
      return `needs at least ${plural(p.limit, 'item', 'items')}`;
    case 'maxItems':
      return `takes at most ${plural(p.limit, 'item', 'items')}`;
    case 'uniqueItems':
      return 'must not list the same value twice';
    case 'minProperties':
      return `needs at least ${plural(p.limit, 'field', 'fields')} filled in`;
    case 'maxProperties':
      return `takes at most ${plural(p.limit, 'field', 'fields')}`;
    case 'additionalProperties':
      return `has a field this form does not know (${p.additionalProperty})`;
    case 'const':
    case 'enum':
    case 'oneOf':
    case 'anyOf':
    case 'discriminator':
      return 'must be one of the offered choices';
    default:
      return error.message || 'is not valid';
  }
}

function humanise(name) {
  const s = String(name).replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function makeTransformErrors(schema, dataRef) {
  return (errors) =>
    errors
      .filter((e) => !(e.name === 'if'))
      .map((error) => {
        const path = String(error.property || '')
          .split('.')
          .filter(Boolean);
        const { node: field, label } = path.length
          ? fieldAt(schema, path, dataRef.current)
          : { node: resolve(schema, schema), label: schema.title || 'This form' };
        const title = label || error.title || humanise(path[path.length - 1] || 'value');
        const message = `${title}: ${wordsFor(error, field)}`;
        return { ...error, message, stack: message };
      });
}

function FormPage({ entry, schema, uiSchema }) {
  const dataRef = useRef(undefined);
  const [formData, setFormData] = useState(undefined);
  const [result, setResult] = useState(null);
  const transformErrors = useMemo(() => makeTransformErrors(schema, dataRef), [schema]);
  return (
    <>
      <header className="form-header">
        <h1>{entry.title || schema.title}</h1>
        {entry.description ? <p>{entry.description}</p> : null}
      </header>
      <Form
        schema={schema}
        uiSchema={{ ...uiSchema, 'ui:submitButtonOptions': { submitText: 'Save' } }}
        validator={validator}
        formData={formData}
        {...formProps}
        transformErrors={transformErrors}
        onChange={({ formData: d }) => {
          dataRef.current = d;
          setFormData(d);
        }}
        onSubmit={({ formData: d }) => {
          state.submits.push(JSON.parse(JSON.stringify(d ?? null)));
          state.errors = [];
          setResult('ok');
        }}
        onError={(errors) => {
          state.errors = errors.map((e) => e.stack);
          setResult('error');
        }}
      />
      {result === 'ok' ? (
        <p className="status-ok" data-testid="submitted">
          Saved: the values are valid.
        </p>
      ) : null}
    </>
  );
}

async function main() {
  const name = new URLSearchParams(location.search).get('form') || 'config';
  const get = async (path) => {
    const r = await fetch(SCHEMAS + path);
    if (!r.ok) throw new Error(`GET ${SCHEMAS + path}: ${r.status}`);
    return r.json();
  };
  const index = await get('index.json');
  const props = index.react_jsonschema_form || {};
  if (props.validator?.ajv_class && props.validator.ajv_class !== 'ajv/dist/2020') {
    state.problems.push(`index.json asks for ${props.validator.ajv_class}; this page bundles ajv/dist/2020`);
  }
  validator = customizeValidator({
    AjvClass: Ajv2020,
    ajvOptionsOverrides: props.validator?.ajv_options || {},
  });
  const { validator: _v, ...rest } = props;
  formProps = rest;
  const entry = index.forms.find((f) => f.name === name);
  if (!entry) throw new Error(`index.json lists no form called ${name}`);
  const [schema, uiSchema] = await Promise.all([get(entry.schema), get(entry.ui)]);
  if (schema.$schema !== index.draft) {
    state.problems.push(`${entry.schema} states ${schema.$schema}, index.json says ${index.draft}`);
  }
  // Compile the schema up front: a schema ajv (2020-12) cannot compile is a failure now, not
  // at the first submit.
  const { validationError } = validator.rawValidation(schema, {});
  if (validationError) {
    state.problems.push(`ajv 2020-12 cannot compile ${entry.schema}: ${validationError.message}`);
    console.error(`ajv 2020-12 cannot compile ${entry.schema}: ${validationError.message}`);
  }
  state.form = entry;
  document.title = `${entry.title || schema.title} · Gorgias connector forms`;
  createRoot(document.getElementById('app')).render(
    <FormPage entry={entry} schema={schema} uiSchema={uiSchema} />,
  );
  requestAnimationFrame(() => {
    state.ready = true;
  });
}

main().catch((e) => {
  state.problems.push(String(e && e.stack ? e.stack : e));
  console.error(e);
  document.getElementById('app').textContent = `Failed: ${e}`;
});
