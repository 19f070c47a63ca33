"""Coordinator screens for distance-learning content: modules, lessons and resources."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from lms.access import coordinator_required
from lms.courses import resources as resource_files
from lms.courses.forms import FileResourceForm, LessonForm, LinkResourceForm, ModuleForm
from lms.courses.models import Lesson, Module, Programme, Resource
from lms.courses.services import RuleError
from lms.extensions import db
from lms.forms import ConfirmForm

bp = Blueprint("content", __name__, url_prefix="/admin")


@bp.route("/programmes/<int:programme_id>/modules/new", methods=["GET", "POST"])
@coordinator_required
def new_module(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    return _edit_module(Module(programme=programme), programme)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_module(module_id: int):
    module = db.get_or_404(Module, module_id)
    return _edit_module(module, module.programme)


def _edit_module(module: Module, programme: Programme):
    form = ModuleForm(obj=module if module.id else None)
    if form.validate_on_submit():
        if form.week.data > programme.distance_weeks:
            form.week.errors.append(_("The programme has %(n)d distance weeks.", n=programme.distance_weeks))
        else:
            form.populate_obj(module)
            db.session.add(module)
            db.session.commit()
            flash(_("Module “%(title)s” saved.", title=module.title), "success")
            return redirect(url_for("content.module", module_id=module.id))
    return render_template("admin/module_form.html", form=form, module=module, programme=programme)


@bp.get("/modules/<int:module_id>")
@coordinator_required
def module(module_id: int):
    module = db.get_or_404(Module, module_id)
    return render_template("admin/module.html", module=module, link_form=LinkResourceForm(prefix="link"),
                           file_form=FileResourceForm(prefix="file"))


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@coordinator_required
def new_lesson(module_id: int):
    module = db.get_or_404(Module, module_id)
    return _edit_lesson(Lesson(module=module, position=len(module.lessons) + 1), module)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_lesson(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    return _edit_lesson(lesson, lesson.module)


def _edit_lesson(lesson: Lesson, module: Module):
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        form.populate_obj(lesson)
        db.session.add(lesson)
        db.session.commit()
        flash(_("Lesson “%(title)s” saved.", title=lesson.title), "success")
        return redirect(url_for("content.module", module_id=module.id))
    return render_template("admin/lesson_form.html", form=form, lesson=lesson, module=module)


@bp.post("/modules/<int:module_id>/resources/link")
@coordinator_required
def add_link(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = LinkResourceForm(prefix="link")
    if form.validate_on_submit():
        try:
            resource_files.add_link(module, form.title.data, form.url.data)
        except RuleError as error:
            form.url.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Link added."), "success")
            return redirect(url_for("content.module", module_id=module.id))
    return render_template("admin/module.html", module=module, link_form=form,
                           file_form=FileResourceForm(prefix="file")), 400


@bp.post("/modules/<int:module_id>/resources/file")
@coordinator_required
def add_file(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = FileResourceForm(prefix="file")
    if form.validate_on_submit():
        try:
            resource_files.add_file(module, form.title.data, form.file.data)
        except RuleError as error:
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("File uploaded."), "success")
            return redirect(url_for("content.module", module_id=module.id))
    return render_template("admin/module.html", module=module, link_form=LinkResourceForm(prefix="link"),
                           file_form=form), 400


@bp.route("/resources/<int:resource_id>/delete", methods=["GET", "POST"])
@coordinator_required
def delete_resource(resource_id: int):
    resource = db.get_or_404(Resource, resource_id)
    module_id = resource.module_id
    form = ConfirmForm()
    if form.validate_on_submit():
        resource_files.delete_resource(resource)
        db.session.commit()
        flash(_("Resource deleted."), "success")
        return redirect(url_for("content.module", module_id=module_id))
    return render_template(
        "confirm.html", form=form, question=_("Delete “%(title)s”?", title=resource.title),
        warning=_("Trainees will no longer see it."), button=_("Delete resource"),
        back=url_for("content.module", module_id=module_id),
    )
