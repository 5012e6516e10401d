//! The OpenAPI description of a resource, derived from its field list.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema};

use super::Resource;
use crate::openapi::ResourceDoc;
use crate::openapi::schemas::field_type_schema;
use crate::query::FieldMeta;

/// Component names of one resource type. [`ResourceDoc`] holds `&'static str`
/// names, so each resource type's names are built once and kept for the life of
/// the process (a few bytes per resource type, never per request).
struct Names {
    item: &'static str,
    create: &'static str,
    replace: &'static str,
    patch: &'static str,
    parents: &'static [(&'static str, &'static str)],
}

fn names<R: Resource>() -> &'static Names {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static Names>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache.entry(TypeId::of::<R>()).or_insert_with(|| {
        let item = std::any::type_name::<R>()
            .rsplit("::")
            .next()
            .unwrap_or("Resource");
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let parents: Vec<(&'static str, &'static str)> =
            R::PARENTS.iter().map(|p| (p.path, p.field.name)).collect();
        Box::leak(Box::new(Names {
            item: leak(item.to_owned()),
            create: leak(format!("{item}Create")),
            replace: leak(format!("{item}Replace")),
            patch: leak(format!("{item}Patch")),
            parents: Box::leak(parents.into_boxed_slice()),
        }))
    })
}

/// Whether `field` can be written from a request body at all.
fn writable<R: Resource>(field: &FieldMeta) -> bool {
    field.name != R::SPEC.id.name
        && R::OWNER.is_none_or(|owner| owner.name != field.name)
        && !R::CONVENTIONS.manages(field.column)
        && !R::READ_ONLY.contains(&field.name)
}

fn is_parent<R: Resource>(field: &FieldMeta) -> bool {
    R::PARENTS.iter().any(|p| p.field.name == field.name)
}

pub(crate) fn object<'a>(
    fields: impl Iterator<Item = &'a FieldMeta>,
    all_optional: bool,
) -> RefOr<Schema> {
    object_where(fields, |field| !all_optional && !field.nullable)
}

/// An object schema of `fields`, those matching `required` listed as required.
fn object_where<'a>(
    fields: impl Iterator<Item = &'a FieldMeta>,
    required: impl Fn(&FieldMeta) -> bool,
) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new();
    for field in fields {
        builder = builder.property(field.name, field_type_schema(field.ty));
        if required(field) {
            builder = builder.required(field.name);
        }
    }
    builder.build().into()
}

/// The [`ResourceDoc`] of `R`: the item schema (every field), the bodies (the
/// writable fields: not the id, the owner, timestamps, version or soft-delete
/// column; parent columns only on create), the list grammar and nested routes.
pub fn resource_doc<R: Resource>() -> ResourceDoc {
    let names = names::<R>();
    let fields = R::SPEC.fields;
    ResourceDoc {
        path: R::PATH,
        tag: R::PATH,
        schema_name: names.item,
        schema: object(fields.iter(), false),
        create: (
            names.create,
            // Parent columns are required on the flat route only (a nested
            // route takes them from its path); defaulted fields may be omitted.
            object_where(fields.iter().filter(|f| writable::<R>(f)), |f| {
                !f.nullable && !R::DEFAULTED.contains(&f.name)
            }),
        ),
        update: (
            names.replace,
            object(
                fields
                    .iter()
                    .filter(|f| writable::<R>(f) && !is_parent::<R>(f)),
                false,
            ),
        ),
        patch: (
            names.patch,
            object(
                fields
                    .iter()
                    .filter(|f| writable::<R>(f) && !is_parent::<R>(f)),
                true,
            ),
        ),
        spec: R::SPEC,
        parents: names.parents,
        id_type: R::SPEC.id.ty,
    }
}
